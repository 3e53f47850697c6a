package io.forkyard.web.event;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.SseClient;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/events}: the tenant's live events through the real events topic, filtered as the
 * listing filters. The worker's changes are made as in {@link JobEventsTest}.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class TenantEventsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/api/events")
    URL events;

    @Inject
    EventHub hub;

    @Inject
    EventRelay relay;

    @Test
    void aTenantsStreamCarriesTheLiveEventsThatPassItsFiltersAndNoOtherTenants() throws Exception {
        String queue = aQueue("tenant-");
        try (SseClient all = open("queue=" + queue);
                SseClient running = open("queue=" + queue + "&status=RUNNING");
                SseClient sleeps = open("queue=" + queue + "&type=sleep")) {
            // This process's reader joins the topic at its latest offset: wait until it is there.
            awaitReaderOn(all, queue);
            running.drain();
            sleeps.drain();

            UUID noop = submit(queue, "noop");
            UUID sleep = submit(queue, "sleep");
            UUID elsewhere = UUID.randomUUID();
            JobEventsTest.sql(
                    "INSERT INTO job (id, tenant, type, queue, status, input, max_attempts, timeout_seconds)"
                            + " VALUES (?, 'another-tenant', 'sleep', ?, 'QUEUED', '{}'::jsonb, 1, 30)",
                    elsewhere,
                    queue);
            JobEventsTest.claim(elsewhere);
            JobEventsTest.claim(noop);
            JobEventsTest.claim(sleep);
            // Once every event above has gone out, a last one that every stream lets through marks the end.
            await().atMost(WAIT).until(() -> JobEventsTest.published(relay, noop, sleep, elsewhere));
            UUID last = submit(queue, "sleep");
            JobEventsTest.claim(last);

            assertThat(until(all, last + ":2"))
                    .containsExactly(noop + ":1", sleep + ":1", noop + ":2", sleep + ":2", last + ":1", last + ":2");
            assertThat(until(running, last + ":2")).containsExactly(noop + ":2", sleep + ":2", last + ":2");
            assertThat(until(sleeps, last + ":2"))
                    .containsExactly(sleep + ":1", sleep + ":2", last + ":1", last + ":2");
        }
        await().atMost(WAIT).until(() -> hub.openStreams() == 0);
    }

    @Test
    void theIdPrefixFilterNarrowsToOneJob() throws Exception {
        String queue = aQueue("tenant-");
        try (SseClient probe = open("queue=" + queue)) {
            awaitReaderOn(probe, queue);
        }
        UUID other = UUID.randomUUID();
        UUID mine = UUID.randomUUID();
        try (SseClient one = open("q=" + mine.toString().substring(0, 8).toUpperCase())) {
            for (UUID id : List.of(other, mine)) {
                JobEventsTest.sql(
                        "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds)"
                                + " VALUES (?, 'noop', ?, 'QUEUED', '{}'::jsonb, 1, 30)",
                        id,
                        queue);
            }
            JobEventsTest.claim(other);
            JobEventsTest.claim(mine);
            assertThat(until(one, mine + ":2")).containsExactly(mine + ":1", mine + ":2");
        }
    }

    @Test
    void aBadFilterIsABadRequestNamingIt() {
        given().when()
                .get("/api/events?status=DONE")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("status"))
                .body("detail", startsWith("status:"));
        given().when()
                .get("/api/events?queue=Not%20a%20queue")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("queue"));
        given().when().get("/api/events?type=%24").then().statusCode(400).body("errors[0].field", equalTo("type"));
        given().when().get("/api/events?q=xyz").then().statusCode(400).body("errors[0].field", equalTo("q"));
    }

    @Test
    void aBatchsStreamCarriesTheEventsOfItsJobsAndOfNoOtherBatch() throws Exception {
        String queue = aQueue("batch-ev-");
        List<String> mine = batch(queue, 2);
        List<String> other = batch(queue, 1);
        String batchId =
                given().get("/api/jobs/" + mine.get(0)).then().extract().path("batchId");
        try (SseClient probe = open("queue=" + queue);
                SseClient stream = SseClient.open(
                        URI.create(events.toString().replace("/api/events", "/api/batches/" + batchId + "/events")),
                        null)) {
            assertThat(stream.status()).isEqualTo(200);
            awaitReaderOn(probe, queue);
            JobEventsTest.claim(UUID.fromString(other.get(0)));
            JobEventsTest.claim(UUID.fromString(mine.get(0)));
            JobEventsTest.claim(UUID.fromString(mine.get(1)));

            // Until both RUNNING events (seq 2) came. A job's QUEUED event (seq 1) may come first:
            // events reach the stream through Kafka, and it may have opened before that one arrived.
            List<SseClient.Event> got = new ArrayList<>();
            Set<String> running = new HashSet<>();
            while (running.size() < 2) {
                SseClient.Event e = stream.next(WAIT);
                if (!e.isComment()) {
                    got.add(e);
                    if (e.id().endsWith(":2")) {
                        running.add(e.id());
                    }
                }
            }
            assertThat(running).containsExactlyInAnyOrder(mine.get(0) + ":2", mine.get(1) + ":2");
            assertThat(got)
                    .extracting(e -> e.id().substring(0, e.id().indexOf(':')))
                    .as("only the batch's own jobs")
                    .allMatch(mine::contains);
            assertThat(got).allSatisfy(e -> assertThat(e.data()).contains("\"batchId\":\"" + batchId + "\""));
        }
        given().get("/api/batches/" + UUID.randomUUID() + "/events").then().statusCode(404);
    }

    @Test
    void aLongTransactionHoldsBackOnlyItsOwnEvents() throws Exception {
        String queue = aQueue("long-tx-");
        try (SseClient stream = open("queue=" + queue)) {
            awaitReaderOn(stream, queue);
            UUID held = UUID.randomUUID();
            try (Connection c = ForkyardTestResource.database().connect()) {
                c.setAutoCommit(false);
                try (PreparedStatement s = c.prepareStatement(
                        "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds)"
                                + " VALUES (?, 'noop', ?, 'QUEUED', '{}'::jsonb, 1, 30)")) {
                    s.setObject(1, held);
                    s.setString(2, queue);
                    s.executeUpdate();
                }
                // A job submitted while that transaction is open: its event goes out all the same.
                UUID later = submit(queue, "noop");
                assertThat(until(stream, later + ":1")).doesNotContain(held + ":1");
                c.commit();
            }
            JobEventsTest.claim(held);
            assertThat(until(stream, held + ":2")).containsExactly(held + ":1", held + ":2");
        }
    }

    @Test
    void aRelayThatLosesItsDatabaseConnectionLeadsAgainAndMissesNothing() throws Exception {
        String queue = aQueue("relay-lost-");
        try (SseClient stream = open("queue=" + queue)) {
            awaitReaderOn(stream, queue);
            List<String> before =
                    ForkyardTestResource.database().strings(RELAY_BACKEND, EventRelay.LOCK, EventRelay.LOCK);
            assertThat(before).as("the backend holding the relay's lock").hasSize(1);
            assertThat(ForkyardTestResource.database()
                            .strings("SELECT pg_terminate_backend(?)::text", Integer.parseInt(before.get(0))))
                    .containsExactly("true");
            UUID job = submit(queue, "noop");
            JobEventsTest.claim(job);

            assertThat(until(stream, job + ":2"))
                    .filteredOn(id -> id.startsWith(job.toString()))
                    .containsExactly(job + ":1", job + ":2");
            List<String> after =
                    ForkyardTestResource.database().strings(RELAY_BACKEND, EventRelay.LOCK, EventRelay.LOCK);
            assertThat(after).hasSize(1).doesNotContain(before.get(0));
        }
    }

    /** The backend (pid) holding the event relay's advisory lock in this database. */
    private static final String RELAY_BACKEND = """
            SELECT pid::text FROM pg_locks
             WHERE locktype = 'advisory' AND granted
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND classid = (?::bigint >> 32)::oid AND objid = (? & 4294967295)::oid AND objsubid = 1
            """;

    private static List<String> batch(String queue, int n) {
        String job = "{\"type\":\"noop\",\"input\":{},\"queue\":\"" + queue + "\"}";
        return given().contentType("application/json")
                .body("[" + String.join(",", java.util.Collections.nCopies(n, job)) + "]")
                .post("/api/jobs/batch")
                .then()
                .statusCode(202)
                .extract()
                .jsonPath()
                .getList("id");
    }

    /** Submits probe jobs to {@code queue} until the stream shows one: the reader is on the topic. */
    private static void awaitReaderOn(SseClient stream, String queue) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            UUID probe = submit(queue, "noop");
            JobEventsTest.sql("UPDATE job SET status = 'CANCELLED', finished_at = now() WHERE id = ?", probe);
            try {
                while (true) {
                    SseClient.Event e = stream.next(Duration.ofSeconds(2));
                    if (e.id().equals(probe + ":2")) {
                        return;
                    }
                }
            } catch (AssertionError quiet) {
                // not there yet
            }
        }
        throw new AssertionError("the events topic reader never delivered");
    }

    /** The event ids up to and including {@code lastId}. */
    private static List<String> until(SseClient stream, String lastId) throws Exception {
        List<String> ids = new ArrayList<>();
        while (true) {
            SseClient.Event e = stream.next(WAIT);
            assertThat(e.name()).isEqualTo("job");
            ids.add(e.id());
            if (e.id().equals(lastId)) {
                return ids;
            }
        }
    }

    /** A queue of the test's own, declared: its prefix and 8 random characters. */
    private static String aQueue(String prefix) {
        return ForkyardTestResource.database()
                .declareQueue(prefix + UUID.randomUUID().toString().substring(0, 8));
    }

    private SseClient open(String query) throws Exception {
        SseClient client = SseClient.open(URI.create(events + "?" + query), null);
        assertThat(client.status()).isEqualTo(200);
        return client;
    }

    private static UUID submit(String queue, String type) {
        String input = type.equals("sleep") ? "{\"millis\":1}" : "{}";
        return UUID.fromString(given().contentType("application/json")
                .body("{\"type\":\"" + type + "\",\"input\":" + input + ",\"queue\":\"" + queue + "\"}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id"));
    }
}
