package io.forkyard.web.queue;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.forkyard.auth.ApiKeys;
import io.forkyard.messaging.Topics;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.TopicRecords;
import io.forkyard.web.auth.AuthOn;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Queues (README "Queues") against the real database and broker, with authentication on: a submit
 * to an undeclared queue is refused and writes nothing; only an operator declares, pauses and
 * limits; the list counts what is in each queue and who serves it; the outbox relay publishes
 * nothing of a paused queue and no more of a limited queue than it has free slots. No worker runs:
 * what workers do is set directly in the database.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class QueueTest {

    @Test
    void aSubmitToAnUndeclaredQueueIs422NamingTheQueueAndWritesNothing() throws Exception {
        String tenant = tenant();
        String key = key(tenant, false);

        given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body("{\"type\":\"noop\",\"input\":{},\"queue\":\"defualt\"}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(422)
                .body("type", equalTo("https://forkyard.io/problems/invalid-job"))
                .body("errors.field", hasItem("queue"));
        given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body("[{\"type\":\"noop\",\"input\":{}},{\"type\":\"noop\",\"input\":{},\"queue\":\"nowhere\"}]")
                .when()
                .post("/api/jobs/batch")
                .then()
                .statusCode(422)
                .body("errors.field", equalTo(List.of("[1].queue")));

        assertThat(count("SELECT count(*) FROM job WHERE tenant = ?", tenant)).isZero();
        assertThat(count("SELECT count(*) FROM queue WHERE name IN ('defualt', 'nowhere')"))
                .isZero();
    }

    @Test
    void onlyAnOperatorDeclaresPausesAndLimitsAQueueAndBadRequestsChangeNothing() throws Exception {
        String tenant = tenant();
        String key = key(tenant, false);
        String operator = key(tenant(), true);
        String queue = aQueueName();

        put(key, queue, "{\"concurrencyLimit\":3}").statusCode(403).body("type", equalTo(problem("operator-only")));
        post(key, queue, "pause").statusCode(403);
        put(operator, queue, "{\"concurrencyLimit\":0}")
                .statusCode(422)
                .body("errors.field", equalTo(List.of("concurrencyLimit")));
        put(operator, queue, "{\"concurrencyLimit\":2.5}")
                .statusCode(422)
                .body("errors.field", equalTo(List.of("concurrencyLimit")));
        put(operator, queue, "{\"limit\":3}").statusCode(422).body("errors.field", equalTo(List.of("limit")));
        put(operator, "Bad Name!", "{}").statusCode(422).body("errors.field", equalTo(List.of("name")));
        post(operator, queue, "pause").statusCode(404).body("type", equalTo(problem("queue-not-found")));
        given().header("Authorization", "Bearer " + key)
                .get("/api/queues/" + queue)
                .then()
                .statusCode(404);
        assertThat(count("SELECT count(*) FROM queue WHERE name = ?", queue)).isZero();

        String location = put(operator, queue, "{\"concurrencyLimit\":3}")
                .statusCode(201)
                .body("name", equalTo(queue))
                .body("concurrencyLimit", equalTo(3))
                .body("paused", equalTo(false))
                .extract()
                .header("Location");
        assertThat(location).endsWith("/api/queues/" + queue);
        put(operator, queue, "").statusCode(200).body("concurrencyLimit", equalTo(null));
        post(operator, queue, "pause").statusCode(200).body("paused", equalTo(true));
        post(operator, queue, "resume").statusCode(200).body("paused", equalTo(false));

        submit(key, queue, null);
        assertThat(count("SELECT count(*) FROM job WHERE tenant = ? AND queue = ?", tenant, queue))
                .isEqualTo(1);
    }

    @Test
    void theListCountsEveryTenantsJobsInEachQueueAndNamesTheLiveWorkersThatServeIt() throws Exception {
        String queue = declared(null);
        String key = key(tenant(), false);
        String otherKey = key(tenant(), false);
        UUID running = submit(key, queue, null);
        submit(key, queue, null);
        submit(otherKey, queue, null);
        submit(key, queue, Instant.now().plus(Duration.ofDays(1)));
        ForkyardTestResource.database()
                .update(
                        "UPDATE job SET status = 'RUNNING', attempt = 1, lease_token = gen_random_uuid(),"
                                + " lease_owner = 'w', lease_expires_at = now() + interval '1 minute' WHERE id = ?",
                        running);
        String live = "live-" + queue;
        ForkyardTestResource.database()
                .update(
                        "INSERT INTO worker (id, queues, slots, busy, buffered) VALUES (?, ?, 2, 0, 0)",
                        live,
                        new String[] {"default", queue});
        ForkyardTestResource.database()
                .update(
                        "INSERT INTO worker (id, queues, slots, busy, buffered, heartbeat_at)"
                                + " VALUES (?, ?, 2, 0, 0, now() - interval '1 hour')",
                        "gone-" + queue,
                        new String[] {queue});

        List<Map<String, Object>> queues = given().header("Authorization", "Bearer " + key)
                .get("/api/queues")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("queues");
        Map<String, Object> view = queues.stream()
                .filter(q -> queue.equals(q.get("name")))
                .findFirst()
                .orElseThrow();
        assertThat(view)
                .containsEntry("queued", 2)
                .containsEntry("scheduled", 1)
                .containsEntry("running", 1)
                .containsEntry("paused", false)
                .containsEntry("workers", List.of(live));
        assertThat(((Number) view.get("oldestDueAgeSeconds")).doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(queues).anySatisfy(q -> assertThat(q).containsEntry("name", "default"));
    }

    @Test
    void aPausedQueueKeepsItsJobsQueuedAndUnpublishedUntilItIsResumed() throws Exception {
        String queue = declared(null);
        String operator = key(tenant(), true);
        post(operator, queue, "pause").statusCode(200);
        UUID job = submit(key(tenant(), false), queue, null);

        await().during(Duration.ofMillis(2500)) // two sweeps and more
                .atMost(Duration.ofSeconds(5))
                .until(() -> published(queue) == 0);
        assertThat(count(
                        "SELECT count(*) FROM job_outbox o JOIN job j ON j.id = o.job_id WHERE j.id = ? AND j.status = 'QUEUED'",
                        job))
                .isEqualTo(1);

        post(operator, queue, "resume").statusCode(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> published(queue) == 1);
        assertThat(TopicRecords.countByJob(bootstrap(), Topics.queue(ForkyardTestResource.topicPrefix(), queue)))
                .containsOnlyKeys(job.toString());
    }

    @Test
    void aLimitedQueuesJobsArePublishedOnlyAsItsSlotsFree() throws Exception {
        String queue = declared(2);
        String key = key(tenant(), false);
        for (int i = 0; i < 5; i++) {
            submit(key, queue, null);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> inFlight(queue) == 2);
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(() -> published(queue) == 2);

        // A worker claims one and finishes the other: one slot is taken, one is free.
        List<UUID> flying = ids("SELECT id FROM job j WHERE queue = ? AND " + PUBLISHED + " ORDER BY id", queue);
        ForkyardTestResource.database()
                .update(
                        "UPDATE job SET status = 'RUNNING', attempt = 1, lease_token = gen_random_uuid(),"
                                + " lease_owner = 'w', lease_expires_at = now() + interval '1 minute' WHERE id = ?",
                        flying.get(0));
        ForkyardTestResource.database()
                .update("UPDATE job SET status = 'SUCCEEDED', finished_at = now() WHERE id = ?", flying.get(1));

        await().atMost(Duration.ofSeconds(20)).until(() -> published(queue) == 3);
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(() -> published(queue) == 3);
        assertThat(TopicRecords.countByJob(bootstrap(), Topics.queue(ForkyardTestResource.topicPrefix(), queue)))
                .hasSize(3);
    }

    // --- fixtures ------------------------------------------------------------------------------

    /** A queue declared by an operator, with this limit (null: none). */
    private static String declared(Integer limit) throws Exception {
        String queue = aQueueName();
        put(key(tenant(), true), queue, limit == null ? "" : "{\"concurrencyLimit\":" + limit + "}")
                .statusCode(201);
        return queue;
    }

    private static UUID submit(String key, String queue, Instant runAt) {
        String body = "{\"type\":\"noop\",\"input\":{},\"queue\":\"" + queue + "\""
                + (runAt == null ? "" : ",\"runAt\":\"" + runAt + "\"") + "}";
        return UUID.fromString(given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body(body)
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id"));
    }

    private static ValidatableResponse put(String key, String queue, String body) {
        return given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body(body)
                .when()
                .put("/api/queues/" + queue)
                .then();
    }

    private static ValidatableResponse post(String key, String queue, String verb) {
        return given().header("Authorization", "Bearer " + key)
                .when()
                .post("/api/queues/" + queue + "/" + verb)
                .then();
    }

    /** A job the relay has taken out of the outbox, so published (once or more). */
    private static final String PUBLISHED = "NOT EXISTS (SELECT 1 FROM job_outbox o WHERE o.job_id = j.id)";

    /** Jobs of the queue the relay has published (once or more). */
    private static long published(String queue) throws Exception {
        return count("SELECT count(*) FROM job j WHERE queue = ? AND " + PUBLISHED, queue);
    }

    /** Jobs of the queue published and not claimed yet. */
    private static long inFlight(String queue) throws Exception {
        return count("SELECT count(*) FROM job j WHERE queue = ? AND status = 'QUEUED' AND " + PUBLISHED, queue);
    }

    private static long count(String sql, Object... params) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static List<UUID> ids(String sql, String queue) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, queue);
            List<UUID> ids = new java.util.ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
            return ids;
        }
    }

    private static String bootstrap() {
        return ForkyardTestResource.broker().bootstrapServers();
    }

    private static String problem(String slug) {
        return "https://forkyard.io/problems/" + slug;
    }

    private static String aQueueName() {
        return "q-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String key(String tenant, boolean operator) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect()) {
            return ApiKeys.create(c, tenant, "queue-test", operator);
        }
    }

    private static String tenant() {
        return "queues-" + UUID.randomUUID();
    }
}
