package io.forkyard.web.job;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What {@code DELETE /api/jobs/{id}} answers: {@code 202} means the cancel is recorded
 * ({@code cancelRequested}); a QUEUED job is CANCELLED at once, a RUNNING one is left to its worker
 * (the worker side of the race is in the worker's HotPathTest). No worker runs here: the jobs are
 * put in each state directly.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class JobCancelTest {

    @Test
    void cancelOfAQueuedJobEndsItAtOnce() throws Exception {
        UUID id = aJob("QUEUED");

        given().when()
                .delete("/api/jobs/" + id)
                .then()
                .statusCode(202)
                .body("status", equalTo("CANCELLED"))
                .body("cancelRequested", equalTo(true))
                .body("error.code", equalTo("CANCELLED"));
    }

    @Test
    void cancelOfARunningJobIsARequestTheViewShows() throws Exception {
        UUID id = aJob("RUNNING");

        given().when()
                .delete("/api/jobs/" + id)
                .then()
                .statusCode(202)
                .body("status", equalTo("RUNNING"))
                .body("cancelRequested", equalTo(true));
        given().when().get("/api/jobs/" + id).then().body("cancelRequested", equalTo(true));
    }

    @Test
    void cancelOfAJobThatAlreadySucceededIsAConflictAndChangesNothing() throws Exception {
        UUID id = aJob("SUCCEEDED");

        given().when().delete("/api/jobs/" + id).then().statusCode(409).body("detail", containsString("SUCCEEDED"));
        given().when()
                .get("/api/jobs/" + id)
                .then()
                .body("status", equalTo("SUCCEEDED"))
                .body("cancelRequested", equalTo(false));
    }

    @Test
    void aNewJobHasNoCancelRequested() {
        given().contentType("application/json")
                .body("{\"type\":\"noop\",\"input\":{},\"runAt\":\"2999-01-01T00:00:00Z\"}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .body("cancelRequested", equalTo(false));
    }

    /** A job in {@code status}, never dispatched (no worker would see it anyway). */
    private static UUID aJob(String status) throws Exception {
        UUID id = UUID.randomUUID();
        ForkyardTestResource.database()
                .update(
                        "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds,"
                                + " lease_token, lease_owner, lease_expires_at, finished_at)"
                                + " VALUES (?, 'noop', 'cancel', ?, '{}'::jsonb, 3, 30,"
                                + " CASE WHEN ? = 'RUNNING' THEN gen_random_uuid() END,"
                                + " CASE WHEN ? = 'RUNNING' THEN 'w' END,"
                                + " CASE WHEN ? = 'RUNNING' THEN now() + interval '1 hour' END,"
                                + " CASE WHEN ? = 'SUCCEEDED' THEN now() END)",
                        id,
                        status,
                        status,
                        status,
                        status,
                        status);
        return id;
    }
}
