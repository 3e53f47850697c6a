package io.forkyard.web.job;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/jobs} and {@code GET /api/jobs/{id}/attempts} against the real database. Each
 * test lists a queue of its own, so the other tests' jobs don't show; the jobs are inserted with
 * creation times a minute apart, never dispatched.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class JobListingTest {

    @Test
    void pagesGoNewestFirstAndTogetherHoldEveryJobOnce() throws Exception {
        String queue = aQueue();
        List<UUID> oldestFirst = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            oldestFirst.add(aJob("default", queue, "noop", "QUEUED", i));
        }

        JsonPath first = page("queue=" + queue + "&limit=2");
        JsonPath second = page("queue=" + queue + "&limit=2&cursor=" + first.getString("nextCursor"));
        JsonPath last = page("queue=" + queue + "&limit=2&cursor=" + second.getString("nextCursor"));

        assertThat(ids(first)).containsExactly(oldestFirst.get(4), oldestFirst.get(3));
        assertThat(ids(second)).containsExactly(oldestFirst.get(2), oldestFirst.get(1));
        assertThat(ids(last)).containsExactly(oldestFirst.get(0));
        assertThat(last.getString("nextCursor")).isNull();
    }

    @Test
    void aCursorIsStableWhileNewJobsArrive() throws Exception {
        String queue = aQueue();
        List<UUID> oldestFirst = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            oldestFirst.add(aJob("default", queue, "noop", "QUEUED", i));
        }
        JsonPath first = page("queue=" + queue + "&limit=2");

        aJob("default", queue, "noop", "QUEUED", 10);
        aJob("default", queue, "noop", "QUEUED", 11);
        JsonPath second = page("queue=" + queue + "&limit=2&cursor=" + first.getString("nextCursor"));

        assertThat(ids(second)).containsExactly(oldestFirst.get(1), oldestFirst.get(0));
        assertThat(second.getString("nextCursor")).isNull();
    }

    @Test
    void filtersNarrowTheListAndAnotherTenantsJobsNeverShow() throws Exception {
        String queue = aQueue();
        UUID failedSleep = aJob("default", queue, "sleep", "FAILED", 0);
        UUID queuedSleep = aJob("default", queue, "sleep", "QUEUED", 1);
        UUID queuedNoop = aJob("default", queue, "noop", "QUEUED", 2);
        UUID elsewhere = aJob("another-tenant", queue, "noop", "QUEUED", 3);

        assertThat(ids(page("queue=" + queue))).containsExactly(queuedNoop, queuedSleep, failedSleep);
        assertThat(ids(page("queue=" + queue + "&status=QUEUED"))).containsExactly(queuedNoop, queuedSleep);
        assertThat(ids(page("queue=" + queue + "&type=sleep"))).containsExactly(queuedSleep, failedSleep);
        assertThat(ids(page("queue=" + queue + "&q=" + failedSleep.toString().substring(0, 13))))
                .containsExactly(failedSleep);
        assertThat(ids(page("q=" + elsewhere))).isEmpty();
        given().when().get("/api/jobs/" + elsewhere + "/attempts").then().statusCode(404);
    }

    @Test
    void badParametersAreA400NamingTheParameter() {
        for (String[] bad : new String[][] {
            {"status=DONE", "status"},
            {"limit=0", "limit"},
            {"limit=501", "limit"},
            {"limit=ten", "limit"},
            {"cursor=not-a-cursor", "cursor"},
            {"queue=No%20Such!", "queue"},
            {"type=../x", "type"},
            {"q=xyz", "q"}
        }) {
            given().when()
                    .get("/api/jobs?" + bad[0])
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("errors.field", hasItem(bad[1]));
        }
    }

    @Test
    void attemptsShowWhoRanTheJobAndHowEachAttemptEnded() throws Exception {
        UUID id = aJob("default", aQueue(), "noop", "QUEUED", 0);
        // a worker claims it (the trigger opens the attempt) and it succeeds (the trigger closes it)
        sql(
                "UPDATE job SET status = 'RUNNING', attempt = 1, lease_token = gen_random_uuid(), lease_owner = 'w-1',"
                        + " lease_expires_at = now() + interval '1 minute' WHERE id = ?",
                id);
        given().when()
                .get("/api/jobs/" + id + "/attempts")
                .then()
                .statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].worker", equalTo("w-1"))
                .body("[0].outcome", nullValue());
        sql(
                "UPDATE job SET status = 'SUCCEEDED', started_at = now(), finished_at = now(), lease_token = NULL,"
                        + " lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
                id);

        given().when()
                .get("/api/jobs/" + id + "/attempts")
                .then()
                .statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].attempt", equalTo(1))
                .body("[0].worker", equalTo("w-1"))
                .body("[0].outcome", equalTo("SUCCEEDED"))
                .body("[0].staleWriteRejected", equalTo(false));
    }

    private static JsonPath page(String query) {
        return given().when()
                .get("/api/jobs?" + query)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static List<UUID> ids(JsonPath page) {
        return page.<String>getList("items.id").stream().map(UUID::fromString).toList();
    }

    private static String aQueue() {
        return "listing-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A job created {@code minute} minutes after a fixed past moment: a later minute is newer. */
    private static UUID aJob(String tenant, String queue, String type, String status, int minute) throws Exception {
        UUID id = UUID.randomUUID();
        sql(
                "INSERT INTO job (id, tenant, type, queue, status, input, max_attempts, timeout_seconds,"
                        + " created_at, finished_at)"
                        + " VALUES (?, ?, ?, ?, ?, '{}'::jsonb, 3, 30,"
                        + " timestamptz '2026-01-01 00:00:00+00' + ? * interval '1 minute',"
                        + " CASE WHEN ? IN ('SUCCEEDED', 'FAILED', 'CANCELLED') THEN now() END)",
                id,
                tenant,
                type,
                queue,
                status,
                minute,
                status);
        return id;
    }

    private static void sql(String sql, Object... params) throws Exception {
        ForkyardTestResource.database().update(sql, params);
    }
}
