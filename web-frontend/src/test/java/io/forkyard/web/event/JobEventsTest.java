package io.forkyard.web.event;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.messaging.Json;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.SseClient;
import io.forkyard.web.housekeeping.RetentionPruner;
import io.forkyard.web.job.JobView;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Job events and a job's SSE stream against the real database and broker. No worker runs here:
 * the tests make a worker's changes (claim, progress, outcome) with the statements' effect on the
 * job row, and the web tier's own verbs (submit, cancel, retry, the lease sweeper's rescue) run
 * for real. Each job has a queue of its own.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class JobEventsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/api/jobs")
    URL jobs;

    @Inject
    RetentionPruner pruner;

    @Inject
    EventHub hub;

    @Inject
    EventRelay relay;

    @Test
    void everyChangeOfStatusOrProgressIsOneEventNumberedWithoutGapsWhoeverMakesIt() throws Exception {
        UUID id = submit("{\"type\":\"sleep\",\"input\":{\"millis\":1},\"maxAttempts\":2}");
        claim(id);
        progress(id, 10, "warming up");
        sql("UPDATE job SET lease_expires_at = now() + interval '1 minute' WHERE id = ?", id); // a renewal only
        progress(id, 10, "warming up"); // the same progress again: no change
        progress(id, 60, "most of it");
        // The worker dies: the web tier's lease sweeper re-queues it.
        sql("UPDATE job SET lease_expires_at = now() - interval '1 second' WHERE id = ?", id);
        await().atMost(WAIT).until(() -> "QUEUED".equals(status(id)));
        claim(id);
        fail(id);
        given().when().post("/api/jobs/" + id + "/retry").then().statusCode(202);
        claim(id);
        given().when().delete("/api/jobs/" + id).then().statusCode(202); // a cancel request: no status change
        succeed(id);

        assertThat(events(id))
                .containsExactly(
                        "1 QUEUED null",
                        "2 RUNNING null",
                        "3 RUNNING 10",
                        "4 RUNNING 60",
                        "5 QUEUED 60",
                        "6 RUNNING null",
                        "7 FAILED null",
                        "8 QUEUED null",
                        "9 RUNNING null",
                        "10 SUCCEEDED 100");
        assertThat(one("SELECT event_seq FROM job WHERE id = ?", id)).isEqualTo(10);
        await().atMost(WAIT).until(() -> published(relay, id));

        // Retention deletes the events with their job.
        sql("UPDATE job SET finished_at = now() - interval '30 days' WHERE id = ?", id);
        pruner.prune();
        assertThat(count("SELECT count(*) FROM job_event WHERE job_id = ?", id)).isZero();
    }

    /**
     * A stream asked for as JSON is a 406 problem, for a job of the caller's and an unknown id alike
     * (the answer says nothing of the id); it was a 500. So is a job view asked for as HTML.
     */
    @Test
    void anAcceptTheResourceCannotAnswerIsA406Problem() throws Exception {
        UUID id = submit("{\"type\":\"noop\",\"input\":{}}");
        for (String path : List.of("/api/jobs/" + id + "/events", "/api/jobs/" + UUID.randomUUID() + "/events")) {
            given().accept("application/json")
                    .when()
                    .get(path)
                    .then()
                    .statusCode(406)
                    .contentType("application/problem+json")
                    .body("type", endsWith("/not-acceptable"))
                    .body("status", equalTo(406));
        }
        given().accept("text/html")
                .when()
                .get("/api/jobs/" + id)
                .then()
                .statusCode(406)
                .body("type", endsWith("/not-acceptable"));
    }

    @Test
    void aBatchSubmitRecordsTheFirstEventOfEveryJob() throws Exception {
        String queue = aQueue();
        String body = "[{\"type\":\"noop\",\"input\":{},\"queue\":\"" + queue + "\"},"
                + "{\"type\":\"noop\",\"input\":{},\"queue\":\"" + queue + "\"}]";
        List<String> ids = given().contentType("application/json")
                .body(body)
                .when()
                .post("/api/jobs/batch")
                .then()
                .statusCode(202)
                .extract()
                .jsonPath()
                .getList("id");
        for (String id : ids) {
            assertThat(events(UUID.fromString(id))).containsExactly("1 QUEUED null");
        }
    }

    @Test
    void aJobsStreamSendsItsHistoryThenLiveEventsAndEndsAfterTheFinalStatus() throws Exception {
        UUID id = submit("{\"type\":\"sleep\",\"input\":{\"millis\":1}}");
        claim(id);
        progress(id, 25, "a quarter");

        try (SseClient stream = SseClient.open(eventsOf(id), null)) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.contentType()).startsWith("text/event-stream");
            List<SseClient.Event> history = List.of(stream.next(WAIT), stream.next(WAIT), stream.next(WAIT));
            progress(id, 75, "three quarters");
            succeed(id);
            List<SseClient.Event> rest = stream.untilEnd(WAIT);

            List<SseClient.Event> all = new ArrayList<>(history);
            all.addAll(rest);
            assertThat(all).extracting(SseClient.Event::id).containsExactly("1", "2", "3", "4", "5");
            assertThat(all).extracting(SseClient.Event::name).containsOnly("job");
            JsonNode first = Json.MAPPER.readTree(all.get(0).data());
            assertThat(first.properties())
                    .extracting(Map.Entry::getKey)
                    .containsExactlyInAnyOrder("jobId", "seq", "status", "progress", "at", "type", "queue", "batchId");
            assertThat(first.get("jobId").asText()).isEqualTo(id.toString());
            assertThat(first.get("seq").asInt()).isEqualTo(1);
            assertThat(first.get("status").asText()).isEqualTo("QUEUED");
            assertThat(first.get("type").asText()).isEqualTo("sleep");
            assertThat(first.get("queue").asText()).startsWith("events-");
            assertThat(first.hasNonNull("at")).isTrue();
            JsonNode third = Json.MAPPER.readTree(all.get(2).data());
            assertThat(third.at("/progress/percent").asInt()).isEqualTo(25);
            assertThat(third.at("/progress/message").asText()).isEqualTo("a quarter");
            JsonNode last = Json.MAPPER.readTree(all.get(4).data());
            assertThat(last.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(last.at("/progress/percent").asInt()).isEqualTo(100);
        }
        // A finished job's stream, resumed after its last event, ends at once with nothing.
        try (SseClient again = SseClient.open(eventsOf(id), "5")) {
            assertThat(again.untilEnd(WAIT)).isEmpty();
        }
        await().atMost(WAIT).until(() -> hub.openStreams() == 0);
    }

    @Test
    void resumingWithLastEventIdAfterADroppedConnectionLosesAndRepeatsNothing() throws Exception {
        UUID id = submit("{\"type\":\"sleep\",\"input\":{\"millis\":1}}");
        claim(id);
        // A worker's progress every 50 ms while the client comes and goes, then success.
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                for (int p = 1; p <= 40; p++) {
                    progress(id, p * 2, "step " + p);
                    Thread.sleep(50);
                }
                succeed(id);
            } catch (Exception e) {
                failed.set(e);
            }
        });

        List<Integer> seen = new ArrayList<>();
        String lastId;
        try (SseClient first = SseClient.open(eventsOf(id), null)) {
            worker.start();
            while (seen.size() < 8) {
                seen.add(Integer.parseInt(first.next(WAIT).id()));
            }
            lastId = Integer.toString(seen.get(seen.size() - 1));
        } // dropped mid-way: everything after it is the second connection's
        await().atMost(WAIT).until(() -> hub.openStreams() == 0);

        List<SseClient.Event> rest;
        try (SseClient second = SseClient.open(eventsOf(id), lastId)) {
            rest = second.untilEnd(WAIT);
        }
        worker.join();
        assertThat(failed.get()).isNull();
        rest.forEach(e -> seen.add(Integer.parseInt(e.id())));

        int total = (int) one("SELECT event_seq FROM job WHERE id = ?", id);
        assertThat(total).isEqualTo(43); // QUEUED, RUNNING, 40 progress changes, SUCCEEDED
        assertThat(seen).as("every seq once, in order").isEqualTo(range(1, total));
        assertThat(Json.MAPPER
                        .readTree(rest.get(rest.size() - 1).data())
                        .get("status")
                        .asText())
                .isEqualTo("SUCCEEDED");
        await().atMost(WAIT).until(() -> hub.openStreams() == 0);
    }

    @Test
    void aStreamFillsFromPostgresWhatKafkaDeliversLateTwiceOutOfOrderOrNever() throws Exception {
        UUID id = submit("{\"type\":\"sleep\",\"input\":{\"millis\":1}}");
        try (SseClient stream = SseClient.open(eventsOf(id), null)) {
            assertThat(stream.next(WAIT).id()).isEqualTo("1");

            // Events 2, 3, 4 commit but never reach Kafka (lost): nothing shows a gap yet.
            unrelayed(
                    id,
                    "UPDATE job SET status = 'RUNNING', attempt = 1, lease_token = gen_random_uuid(),"
                            + " lease_owner = 'test', lease_expires_at = now() + interval '1 minute' WHERE id = ?");
            unrelayed(id, "UPDATE job SET progress_percent = 30 WHERE id = ?");
            unrelayed(id, "UPDATE job SET progress_percent = 60 WHERE id = ?");
            // Kafka hands over 4 first (out of order), then 3 and 2 late, then 4 again (a duplicate).
            for (int seq : new int[] {4, 3, 2, 4}) {
                deliver(id, seq);
            }
            // The last one is lost with nothing after it: only the stream's resync finds it.
            unrelayed(
                    id,
                    "UPDATE job SET status = 'SUCCEEDED', progress_percent = 100, finished_at = now(),"
                            + " lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?");

            List<SseClient.Event> rest = stream.untilEnd(WAIT);
            assertThat(rest).extracting(SseClient.Event::id).containsExactly("2", "3", "4", "5");
            assertThat(Json.MAPPER.readTree(rest.get(3).data()).get("status").asText())
                    .isEqualTo("SUCCEEDED");
        }
    }

    @Test
    void aQuietStreamGetsKeepAliveCommentsAndLeavesTheHubWhenTheClientGoes() throws Exception {
        UUID id = submit("{\"type\":\"noop\",\"input\":{}}");
        try (SseClient stream = SseClient.open(eventsOf(id), null)) {
            assertThat(stream.next(WAIT).id()).isEqualTo("1");
            assertThat(stream.nextComment(WAIT)).isEqualTo("keep-alive"); // every 2 s in the tests
            assertThat(hub.openStreams()).isPositive();
        }
        await().atMost(WAIT).until(() -> hub.openStreams() == 0);
    }

    @Test
    void anUnknownJobOrAnotherTenantsJobIsNotFoundAndABadLastEventIdIsABadRequest() throws Exception {
        given().when()
                .get("/api/jobs/" + UUID.randomUUID() + "/events")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forkyard.io/problems/job-not-found"));
        UUID elsewhere = UUID.randomUUID();
        sql(
                "INSERT INTO job (id, tenant, type, queue, status, input, max_attempts, timeout_seconds)"
                        + " VALUES (?, 'another-tenant', 'noop', 'events-elsewhere', 'QUEUED', '{}'::jsonb, 1, 30)",
                elsewhere);
        given().when().get("/api/jobs/" + elsewhere + "/events").then().statusCode(404);

        UUID mine = submit("{\"type\":\"noop\",\"input\":{}}");
        given().header("Last-Event-ID", "two")
                .when()
                .get("/api/jobs/" + mine + "/events")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("Last-Event-ID"));
        given().header("Last-Event-ID", "7") // the job is at seq 1: not an id its stream gave out
                .when()
                .get("/api/jobs/" + mine + "/events")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("Last-Event-ID"));
    }

    // --- a worker's changes, as its statements make them --------------------------------------

    static void claim(UUID id) throws Exception {
        sql(
                "UPDATE job SET status = 'RUNNING', attempt = attempt + 1, lease_token = gen_random_uuid(),"
                        + " lease_owner = 'test-worker', lease_expires_at = now() + interval '1 minute',"
                        + " started_at = NULL, progress_percent = NULL, progress_message = NULL WHERE id = ?",
                id);
    }

    static void progress(UUID id, int percent, String message) throws Exception {
        sql(
                "UPDATE job SET progress_percent = ?, progress_message = ?,"
                        + " lease_expires_at = now() + interval '1 minute' WHERE id = ? AND status = 'RUNNING'",
                percent,
                message,
                id);
    }

    static void succeed(UUID id) throws Exception {
        sql(
                "UPDATE job SET status = 'SUCCEEDED', result = '{}'::jsonb, finished_at = now(),"
                        + " progress_percent = 100, progress_message = NULL, lease_token = NULL, lease_owner = NULL,"
                        + " lease_expires_at = NULL WHERE id = ? AND status = 'RUNNING'",
                id);
    }

    static void fail(UUID id) throws Exception {
        sql(
                "UPDATE job SET status = 'FAILED', error_code = 'JOB_ERROR', error_message = 'it broke',"
                        + " finished_at = now(), lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL"
                        + " WHERE id = ? AND status = 'RUNNING'",
                id);
    }

    /**
     * A change whose event commits as if written by a transaction long past (xid 3, the first
     * normal one), which every relay's snapshot has seen already: the relay never sends it.
     */
    private static void unrelayed(UUID id, String update) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(update)) {
                s.setObject(1, id);
                assertThat(s.executeUpdate()).isEqualTo(1);
            }
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE job_event SET xid = '3' WHERE job_id = ? AND xid = pg_current_xact_id()")) {
                s.setObject(1, id);
                assertThat(s.executeUpdate()).isEqualTo(1);
            }
            c.commit();
        }
    }

    /** Hands the hub event {@code seq} of the job as the events topic would: as the relay builds it. */
    private void deliver(UUID id, int seq) throws Exception {
        hub.deliver("default", id.toString(), Json.toBytes(stored(id, seq)));
    }

    private static JobEvent stored(UUID id, int seq) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT e.status, e.progress_percent, e.progress_message, e.at, j.type, j.queue, j.batch_id"
                                + " FROM job_event e JOIN job j ON j.id = e.job_id WHERE e.job_id = ? AND e.seq = ?")) {
            s.setObject(1, id);
            s.setInt(2, seq);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("event %d of %s", seq, id).isTrue();
                return new JobEvent(
                        id,
                        seq,
                        rs.getString(1),
                        new JobView.Progress(rs.getObject(2, Integer.class), rs.getString(3)),
                        rs.getTimestamp(4).toInstant(),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getObject(7, UUID.class));
            }
        }
    }

    // --- fixtures ------------------------------------------------------------------------------

    private UUID submit(String json) {
        String body = json.substring(0, json.length() - 1) + ",\"queue\":\"" + aQueue() + "\"}";
        return UUID.fromString(given().contentType("application/json")
                .body(body)
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id"));
    }

    private URI eventsOf(UUID id) throws Exception {
        return URI.create(jobs.toString() + "/" + id + "/events");
    }

    private static String aQueue() {
        return ForkyardTestResource.database()
                .declareQueue("events-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** The job's events as "seq status percent", in seq order. */
    static List<String> events(UUID id) throws Exception {
        List<String> events = new ArrayList<>();
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT seq, status, progress_percent FROM job_event WHERE job_id = ? ORDER BY seq")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    events.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getObject(3));
                }
            }
        }
        return events;
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> all = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            all.add(i);
        }
        return all;
    }

    private static String status(UUID id) throws Exception {
        return (String) one("SELECT status FROM job WHERE id = ?", id);
    }

    private static long count(String sql, UUID id) throws Exception {
        return (Long) one(sql, id);
    }

    /** Whether the relay (this process leads: it is the only web process) has sent every event of the jobs. */
    static boolean published(EventRelay relay, UUID... ids) throws Exception {
        String xid = (String) one(
                "SELECT max(xid)::text FROM job_event WHERE job_id = ANY(?::uuid[])",
                Arrays.stream(ids).map(UUID::toString).toArray(String[]::new));
        return relay.hasPublished(Long.parseLong(xid));
    }

    static Object one(String sql, Object param) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, param);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getObject(1);
            }
        }
    }

    static void sql(String sql, Object... params) throws Exception {
        ForkyardTestResource.database().update(sql, params);
    }
}
