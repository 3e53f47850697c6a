package io.forkyard.web.job;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.forkyard.auth.ApiKeys;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.web.auth.AuthOn;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Batches (README "Batches") against the real database, with authentication on: a batch submit
 * makes a batch, its view counts its jobs per status, its cancel and retry-failed change only its
 * own jobs, and another tenant never sees it. No worker runs: statuses are set directly.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class BatchTest {

    private static final String THREE_JOBS = "[{\"type\":\"noop\",\"input\":{},\"queue\":\"batch-test\"},"
            + "{\"type\":\"noop\",\"input\":{},\"queue\":\"batch-test\"},"
            + "{\"type\":\"noop\",\"input\":{},\"queue\":\"batch-test\"}]";

    @Test
    void aBatchSubmitMakesABatchWhoseViewCountsItsJobsAndWhoseListingIsThem() throws Exception {
        String key = key(tenant());
        Submitted batch = submit(key);
        submit(key); // another batch of the same tenant: never counted in the first

        JsonPath view = view(key, batch.id());
        assertThat(view.getLong("total")).isEqualTo(3);
        assertThat(view.getLong("counts.QUEUED")).isEqualTo(3);
        assertThat(view.getLong("counts.SUCCEEDED")).isZero();
        assertThat(view.getBoolean("finished")).isFalse();
        assertThat(view.getInt("progressPercent")).isZero();
        assertThat(view.getString("finishedAt")).isNull();
        assertThat(view.getString("jobs")).isEqualTo("/api/jobs?batch=" + batch.id());

        List<String> listed = given().header("Authorization", "Bearer " + key)
                .when()
                .get(view.getString("jobs"))
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items.id");
        assertThat(listed).containsExactlyInAnyOrderElementsOf(batch.jobs());

        setStatus(batch.jobs().get(0), "SUCCEEDED");
        setStatus(batch.jobs().get(1), "FAILED");
        JsonPath partly = view(key, batch.id());
        assertThat(partly.getLong("counts.QUEUED")).isEqualTo(1);
        assertThat(partly.getLong("counts.FAILED")).isEqualTo(1);
        assertThat(partly.getInt("progressPercent")).isEqualTo(66);
        assertThat(partly.getBoolean("finished")).isFalse();
    }

    @Test
    void cancelEndsTheQueuedJobsOfTheBatchAndRetryFailedRequeuesOnlyItsFailedOnes() throws Exception {
        String key = key(tenant());
        Submitted batch = submit(key);
        Submitted other = submit(key);
        setStatus(batch.jobs().get(0), "SUCCEEDED");

        JsonPath cancelled = post(key, batch.id(), "cancel", 200);
        assertThat(cancelled.getInt("matched")).isEqualTo(3);
        assertThat(cancelled.getInt("changed")).isEqualTo(2);
        JsonPath view = view(key, batch.id());
        assertThat(view.getLong("counts.CANCELLED")).isEqualTo(2);
        assertThat(view.getLong("counts.SUCCEEDED")).isEqualTo(1);
        assertThat(view.getBoolean("finished")).isTrue();
        assertThat(view.getInt("progressPercent")).isEqualTo(100);
        assertThat(view.getString("finishedAt")).isNotNull();
        assertThat(view(key, other.id()).getLong("counts.QUEUED"))
                .as("the other batch")
                .isEqualTo(3);

        setStatus(batch.jobs().get(1), "FAILED");
        JsonPath retried = post(key, batch.id(), "retry-failed", 200);
        assertThat(retried.getInt("matched")).isEqualTo(1);
        assertThat(retried.getInt("changed")).isEqualTo(1);
        JsonPath after = view(key, batch.id());
        assertThat(after.getLong("counts.QUEUED")).isEqualTo(1);
        assertThat(after.getLong("counts.CANCELLED"))
                .as("cancelled ones are not retried")
                .isEqualTo(1);
        assertThat(after.getBoolean("finished")).isFalse();
    }

    @Test
    void anotherTenantsBatchAndAMalformedIdAreNotFoundAndChangeNothing() throws Exception {
        String key = key(tenant());
        Submitted batch = submit(key);
        String stranger = key(tenant());

        for (String path : List.of("/api/batches/" + batch.id(), "/api/batches/not-a-uuid")) {
            given().header("Authorization", "Bearer " + stranger)
                    .when()
                    .get(path)
                    .then()
                    .statusCode(404)
                    .body("type", equalTo("https://forkyard.io/problems/batch-not-found"));
        }
        post(stranger, batch.id(), "cancel", 404);
        assertThat(view(key, batch.id()).getLong("counts.QUEUED")).isEqualTo(3);

        given().header("Authorization", "Bearer " + key)
                .when()
                .get("/api/jobs?batch=nope")
                .then()
                .statusCode(400)
                .body("errors.field", hasItem("batch"));
    }

    private record Submitted(String id, List<String> jobs) {}

    private static Submitted submit(String key) {
        var answer = given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body(THREE_JOBS)
                .when()
                .post("/api/jobs/batch")
                .then()
                .statusCode(202)
                .extract();
        String location = answer.header("Location");
        assertThat(location).startsWith("/api/batches/");
        return new Submitted(
                location.substring("/api/batches/".length()), answer.jsonPath().getList("id"));
    }

    private static JsonPath view(String key, String id) {
        return given().header("Authorization", "Bearer " + key)
                .when()
                .get("/api/batches/" + id)
                .then()
                .statusCode(200)
                .body("id", equalTo(id))
                .extract()
                .jsonPath();
    }

    private static JsonPath post(String key, String id, String verb, int status) {
        return given().header("Authorization", "Bearer " + key)
                .when()
                .post("/api/batches/" + id + "/" + verb)
                .then()
                .statusCode(status)
                .extract()
                .jsonPath();
    }

    private static void setStatus(String id, String status) throws Exception {
        ForkyardTestResource.database()
                .update(
                        "UPDATE job SET status = ?,"
                                + " finished_at = CASE WHEN ? IN ('QUEUED', 'RUNNING') THEN NULL ELSE now() END"
                                + " WHERE id = ?",
                        status,
                        status,
                        UUID.fromString(id));
    }

    private static String tenant() {
        return "b-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String key(String tenant) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect()) {
            return ApiKeys.create(c, tenant, "batch test");
        }
    }
}
