package io.forkyard.web.job;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Topics;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.TopicRecords;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class JobResourceTest {

    @jakarta.inject.Inject
    io.forkyard.web.housekeeping.RetentionPruner pruner;

    private static final String SHA256_JOB = "{\"type\":\"sha256\",\"input\":{\"text\":\"forkyard\",\"rounds\":1000}}";

    @Test
    void submittedJobIsAcceptedWithLocationThenPublishedToItsQueueTopic() throws Exception {
        String id = given().contentType(ContentType.JSON)
                .body(SHA256_JOB)
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .header("Location", startsWith("/api/jobs/"))
                .header("Retry-After", equalTo("1"))
                .body("status", equalTo("QUEUED"))
                .body("type", equalTo("sha256"))
                .body("queue", equalTo("default"))
                .body("attempt", equalTo(0))
                .body("maxAttempts", equalTo(3))
                .extract()
                .path("id");

        given().when().get("/api/jobs/" + id).then().statusCode(200).body("id", equalTo(id));

        Map<String, JobDispatch> published = awaitPublished("default", id);
        assertThat(published).containsKey(id);
        assertThat(published.get(id).type()).isEqualTo("sha256");
        await().atMost(Duration.ofSeconds(10)).until(() -> !inOutbox(UUID.fromString(id)));
    }

    @Test
    void jobCommittedButNeverPublishedIsPublishedByTheSweepWithoutAWriteToItsRow() throws Exception {
        // What a crash between commit and publish leaves behind: a committed row still in the outbox.
        UUID id = UUID.randomUUID();
        String inserted = ForkyardTestResource.database()
                .strings(
                        "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds)"
                                + " VALUES (?, 'noop', 'sweep', 'QUEUED', '{}'::jsonb, 3, 30) RETURNING xmin::text",
                        id)
                .get(0);
        assertThat(awaitPublished("sweep", id.toString())).containsKey(id.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> !inOutbox(id));
        assertThat(ForkyardTestResource.database().strings("SELECT xmin::text FROM job WHERE id = ?", id))
                .as("the relay took the job out of the outbox and never wrote its row (DESIGN: three versions a job)")
                .containsExactly(inserted);
    }

    @Test
    void unknownTypeIsRejectedNamingTheFieldAndWritesNothing() throws Exception {
        long before = jobCount();
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"teleport\",\"input\":{}}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("type", containsString("unknown-job-type"))
                .body("errors.field", hasItem("type"))
                .body("detail", containsString("teleport"));
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void zeroRoundsIsRejectedNamingInputRoundsAndWritesNothing() throws Exception {
        long before = jobCount();
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"sha256\",\"input\":{\"text\":\"x\",\"rounds\":0}}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("type", containsString("invalid-job"))
                .body("errors.field", hasItem("input.rounds"));
        assertThat(jobCount()).isEqualTo(before);
    }

    /** PostgreSQL's jsonb can't hold U+0000: caught at the door, not as a 500 at the insert. */
    @Test
    void aNulCharacterInTheInputIsRejectedNamingTheFieldAndWritesNothing() throws Exception {
        long before = jobCount();
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"sha256\",\"input\":{\"text\":\"a\\u0000b\",\"rounds\":1}}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("errors.field", hasItem("input.text"))
                .body("detail", containsString("base64"));
        given().contentType(ContentType.JSON)
                .body("[{\"type\":\"noop\",\"input\":{\"deep\":[{\"x\":\"\\u0000\"}]}}]")
                .when()
                .post("/api/jobs/batch")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("[0].input.deep[0].x"));
        assertThat(jobCount()).isEqualTo(before);
    }

    /**
     * A lone UTF-16 surrogate (U+D800 without its pair) is not a character: stored, it became
     * another one, and the job hashed other bytes than the client sent. A pair (an emoji) is fine.
     */
    @Test
    void aLoneSurrogateInTheInputIsRejectedNamingTheFieldAndWritesNothing() throws Exception {
        long before = jobCount();
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"sha256\",\"input\":{\"text\":\"a\\ud800b\",\"rounds\":1}}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("type", containsString("invalid-job"))
                .body("errors.field", hasItem("input.text"))
                .body("detail", containsString("surrogate"));
        given().contentType(ContentType.JSON)
                .body("[{\"type\":\"noop\",\"input\":{\"list\":[\"ok\",\"\\udc00\"]}}]")
                .when()
                .post("/api/jobs/batch")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("[0].input.list[1]"));
        assertThat(jobCount()).isEqualTo(before);

        String id = given().contentType(ContentType.JSON)
                .body("{\"type\":\"sha256\",\"input\":{\"text\":\"\\ud83d\\ude00\",\"rounds\":1}}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        assertThat(ForkyardTestResource.database().strings("SELECT input->>'text' FROM job WHERE id = ?::uuid", id))
                .containsExactly("\ud83d\ude00");
    }

    /**
     * An {@code exec} job naming a program the web tier was not told of is refused at the door, as
     * an undeclared queue is, instead of failing later at the worker (none is declared here).
     */
    @Test
    void anExecJobOfAnUndeclaredProgramIsRefusedNamingTheFieldAndWritesNothing() throws Exception {
        long before = jobCount();
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"exec\",\"input\":{\"program\":\"/bin/sh\",\"args\":[\"-c\",\"id\"]}}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("type", containsString("invalid-job"))
                .body("errors.field", hasItem("input.program"))
                .body("detail", containsString("exec-programs"));
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void malformedJsonIsABadRequestAndWritesNothing() throws Exception {
        long before = jobCount();
        given().contentType(ContentType.JSON)
                .body("{\"type\": \"sha256\", \"input\": {")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", containsString("malformed-json"))
                .body("detail", containsString("not valid JSON"));
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void wrongContentTypeIsUnsupportedMediaType() throws Exception {
        long before = jobCount();
        given().contentType(ContentType.TEXT)
                .body(SHA256_JOB)
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(415)
                .contentType("application/problem+json");
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void unknownFieldsAndBadOptionsAreNamed() {
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"noop\",\"inptu\":{},\"queue\":\"Bad Queue!\",\"maxAttempts\":0}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("inptu"))
                .body("errors.field", hasItem("queue"))
                .body("errors.field", hasItem("maxAttempts"));
    }

    @Test
    void perJobTimeoutAndAttemptsAreCappedByTheOperatorsMaximum() {
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"noop\",\"timeoutSeconds\":3601,\"maxAttempts\":26}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("timeoutSeconds"))
                .body("errors.field", hasItem("maxAttempts"))
                .body("detail", containsString("at most 3600"));
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"noop\",\"timeoutSeconds\":3600,\"maxAttempts\":25}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .body("maxAttempts", equalTo(25));
    }

    @Test
    void externalJobTypeDeclaredByConfigurationIsAcceptedWithAnObjectInput() throws Exception {
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"word-count\",\"input\":{\"text\":\"a b\"}}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .body("type", equalTo("word-count"));
        long before = jobCount();
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"word-count\",\"input\":[1,2]}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("input"));
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void unknownOrMalformedIdIsNotFound() {
        given().when()
                .get("/api/jobs/" + UUID.randomUUID())
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().when().get("/api/jobs/not-a-uuid").then().statusCode(404);
    }

    @Test
    void sameIdempotencyKeyReturnsTheSameJobAndADifferentBodyIsRefused() throws Exception {
        String key = UUID.randomUUID().toString();
        String first =
                submitWithKey(key, SHA256_JOB).then().statusCode(202).extract().path("id");
        String second =
                submitWithKey(key, SHA256_JOB).then().statusCode(202).extract().path("id");
        assertThat(second).isEqualTo(first);

        long before = jobCount();
        submitWithKey(key, "{\"type\":\"sha256\",\"input\":{\"text\":\"other\",\"rounds\":1}}")
                .then()
                .statusCode(422)
                .body("type", containsString("idempotency-key-reused"));
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void concurrentDuplicatesWithOneIdempotencyKeyCreateOneJob() throws Exception {
        String key = UUID.randomUUID().toString();
        long before = jobCount();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<String>> replies = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                replies.add(pool.submit(() -> submitWithKey(key, SHA256_JOB)
                        .then()
                        .statusCode(202)
                        .extract()
                        .<String>path("id")));
            }
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (java.util.concurrent.Future<String> reply : replies) {
                ids.add(reply.get());
            }
            assertThat(ids).hasSize(1);
        } finally {
            pool.shutdown();
        }
        assertThat(jobCount()).isEqualTo(before + 1);
    }

    @Test
    void batchIsAllOrNothing() throws Exception {
        long before = jobCount();
        given().contentType(ContentType.JSON)
                .body("[" + SHA256_JOB + ",{\"type\":\"sha256\",\"input\":{\"text\":\"x\",\"rounds\":-1}}]")
                .when()
                .post("/api/jobs/batch")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("[1].input.rounds"));
        assertThat(jobCount()).isEqualTo(before);

        List<String> ids = given().contentType(ContentType.JSON)
                .body("[" + SHA256_JOB + "," + SHA256_JOB + "]")
                .when()
                .post("/api/jobs/batch")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        assertThat(ids).hasSize(2).doesNotHaveDuplicates();
        assertThat(jobCount()).isEqualTo(before + 2);
    }

    /**
     * The API of cancel and retry. That a cancelled queued job never runs takes a worker: the
     * end-to-end tests show it.
     */
    @Test
    void cancellingAQueuedJobEndsItCancelledAndASecondCancelIsAConflictUntilItIsRetried() {
        String id = submitNeverDueNoop();
        given().when().post("/api/jobs/" + id + "/retry").then().statusCode(409);

        given().when()
                .delete("/api/jobs/" + id)
                .then()
                .statusCode(202)
                .body("status", equalTo("CANCELLED"))
                .body("error.code", equalTo("CANCELLED"));
        given().when()
                .get("/api/jobs/" + id)
                .then()
                .statusCode(200)
                .body("status", equalTo("CANCELLED"))
                .body("finishedAt", notNullValue());
        given().when().delete("/api/jobs/" + id).then().statusCode(409).contentType("application/problem+json");

        given().when()
                .post("/api/jobs/" + id + "/retry")
                .then()
                .statusCode(202)
                .body("status", equalTo("QUEUED"))
                .body("attempt", equalTo(0))
                .body("error", nullValue());
        given().when().get("/api/jobs/" + id).then().statusCode(200).body("status", equalTo("QUEUED"));
        given().when().delete("/api/jobs/" + id).then().statusCode(202).body("status", equalTo("CANCELLED"));
    }

    @Test
    void rawResultIsAConflictUntilSucceededThenServedWithItsContentType() throws Exception {
        String id = submitNeverDueNoop();
        given().when()
                .get("/api/jobs/" + id + "/result")
                .then()
                .statusCode(409)
                .contentType("application/problem+json");

        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(
                        "UPDATE job SET status = 'SUCCEEDED', finished_at = now(),"
                                + " result = '{\"width\":1}'::jsonb, result_bytes = ?, result_content_type = 'image/png' WHERE id = ?")) {
            s.setBytes(1, png);
            s.setObject(2, UUID.fromString(id));
            s.executeUpdate();
        }
        byte[] served = given().when()
                .get("/api/jobs/" + id + "/result")
                .then()
                .statusCode(200)
                .contentType("image/png")
                .extract()
                .asByteArray();
        assertThat(served).containsExactly(png);
        given().when().get("/api/jobs/" + id).then().statusCode(200).body("result.width", equalTo(1));
    }

    @Test
    void finishedJobsPastTheRetentionAgeArePrunedWithTheirHistoryAndOthersKept() throws Exception {
        UUID old = UUID.randomUUID();
        UUID recent = UUID.randomUUID();
        UUID running = UUID.randomUUID();
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(
                        "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds, finished_at)"
                                + " VALUES (?, 'noop', 'retention', ?, '{}'::jsonb, 1, 30, ?)")) {
            insert(s, old, "SUCCEEDED", java.time.Instant.now().minus(java.time.Duration.ofDays(8)));
            insert(s, recent, "FAILED", java.time.Instant.now().minus(java.time.Duration.ofDays(6)));
            insert(s, running, "RUNNING", null);
            try (Statement attempts = c.createStatement()) {
                attempts.executeUpdate(
                        "INSERT INTO job_attempt (job_id, attempt, lease_token, worker, outcome) VALUES ('" + old
                                + "', 1, gen_random_uuid(), 'w', 'SUCCEEDED')");
            }
        }

        // The only pruner that runs here: the test profile keeps the background one a day away.
        pruner.prune();

        given().when().get("/api/jobs/" + old).then().statusCode(404);
        given().when().get("/api/jobs/" + recent).then().statusCode(200);
        given().when().get("/api/jobs/" + running).then().statusCode(200);
        try (Connection c = ForkyardTestResource.database().connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM job_attempt WHERE job_id = '" + old + "'")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
    }

    private static void insert(PreparedStatement s, UUID id, String status, java.time.Instant finishedAt)
            throws Exception {
        s.setObject(1, id);
        s.setString(2, status);
        s.setTimestamp(3, finishedAt == null ? null : java.sql.Timestamp.from(finishedAt));
        s.executeUpdate();
    }

    /** Submits a noop job due in 2999, so no worker runs it; returns its id. */
    private static String submitNeverDueNoop() {
        return given().contentType(ContentType.JSON)
                .body("{\"type\":\"noop\",\"input\":{},\"runAt\":\"2999-01-01T00:00:00Z\"}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    private static io.restassured.response.Response submitWithKey(String key, String body) {
        return given().contentType(ContentType.JSON)
                .header("Idempotency-Key", key)
                .body(body)
                .when()
                .post("/api/jobs");
    }

    private static long jobCount() throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM job")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean inOutbox(UUID id) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM job_outbox WHERE job_id = ?)")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * The dispatches on a queue topic by job id (an envelope's under each of its jobs), once {@code
     * id}'s is there (within 15 s).
     */
    private static Map<String, JobDispatch> awaitPublished(String queue, String id) {
        String topic = Topics.queue(ForkyardTestResource.topicPrefix(), queue);
        String servers = ForkyardTestResource.broker().bootstrapServers();
        return await().atMost(Duration.ofSeconds(15))
                .until(
                        () -> {
                            Map<String, JobDispatch> published = new HashMap<>();
                            for (ConsumerRecord<String, byte[]> r : TopicRecords.readToEnd(servers, topic)) {
                                JobDispatch dispatch = TopicRecords.dispatch(r);
                                dispatch.jobIds().forEach(job -> published.put(job.toString(), dispatch));
                            }
                            return published;
                        },
                        published -> published.containsKey(id));
    }
}
