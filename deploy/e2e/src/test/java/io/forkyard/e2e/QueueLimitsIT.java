package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.messaging.Topics;
import io.forkyard.testing.TopicRecords;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Queue limits and pause on a running system (README "Queues"): three workers serve the queue
 * {@code limited}, whose operator sets a concurrency limit of 2. {@code sleep} jobs run on virtual
 * threads without a slot, so without the limit every worker would run all it fetched at once. The
 * maximum concurrency is read from the attempt history (claim to end of every attempt). A paused
 * queue's jobs are accepted, stay QUEUED and never reach the topic; the job running when it was paused
 * finishes. Last, the workers that hold the queue's two slots are killed: the slots stay taken until
 * their leases expire, then a new job runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueueLimitsIT {

    private static final String QUEUE = "limited";
    private static final Map<String, String> WEB = Map.of("FORKYARD_WEB_DISPATCHER_SWEEP_INTERVAL", "PT0.2S");
    private static final Map<String, String> WORKER =
            Map.of("FORKYARD_WORKER_QUEUES", "default," + QUEUE, "FORKYARD_WORKER_LEASE", "PT3S");

    private static Forkyard system;
    private static JobClient client;
    private static JobClient operator;

    @BeforeAll
    static void start() throws Exception {
        system = new Forkyard(); // assigned first, so that a failed start still closes it
        system.startWeb(WEB);
        for (int i = 0; i < 3; i++) {
            system.startWorker(1, WORKER);
        }
        client = system.client();
        operator = system.operator();
        JobClient.Reply limit = operator.put("/api/queues/" + QUEUE, "{\"concurrencyLimit\": 2}");
        assertThat(limit.status())
                .as("the workers declared the queue; the operator limits it")
                .isEqualTo(200);
        assertThat(limit.body().path("concurrencyLimit").asInt()).isEqualTo(2);
        assertThat(client.put("/api/queues/" + QUEUE, "{\"concurrencyLimit\": 9}")
                        .status())
                .as("a tenant's key is not an operator's")
                .isEqualTo(403);
    }

    @AfterAll
    static void stop() throws Exception {
        if (system != null) {
            system.close();
        }
    }

    @Test
    @Order(1)
    void threeWorkersNeverRunMoreThanTheQueuesLimitAtOnce() throws Exception {
        JobClient.Reply queues = client.path("/api/queues/" + QUEUE);
        assertThat(queues.body().path("workers")).hasSize(3);

        List<String> ids = client.submitBatchOk(sleeps(12, 400));
        for (String id : ids) {
            client.awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(60));
        }

        assertThat(maxConcurrentAttempts()).isEqualTo(2);
        assertThat(workersThatRan(ids))
                .as("the limit held across workers, not within one")
                .hasSizeGreaterThan(1);
    }

    @Test
    @Order(2)
    void aPausedQueueKeepsNewJobsQueuedOffTheTopicWhileItsRunningJobFinishes() throws Exception {
        String running = client.submitOk(sleep(2000));
        client.awaitStatus(running, "RUNNING", Duration.ofSeconds(30));
        assertThat(operator.post("/api/queues/" + QUEUE + "/pause", null)
                        .body()
                        .path("paused")
                        .asBoolean())
                .isTrue();

        List<String> held = client.submitBatchOk(sleeps(3, 100));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> allQueued(held));
        assertThat(client.awaitFinal(running, Duration.ofSeconds(30))
                        .path("status")
                        .asText())
                .isEqualTo("SUCCEEDED");
        assertThat(TopicRecords.countByJob(system.broker.bootstrapServers(), Topics.queue(system.topicPrefix, QUEUE)))
                .as("nothing of the paused queue was published")
                .doesNotContainKeys(held.toArray(String[]::new));
        assertThat(client.path("/api/queues/" + QUEUE).body().path("queued").asInt())
                .isEqualTo(3);

        operator.post("/api/queues/" + QUEUE + "/resume", null);
        for (String id : held) {
            client.awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(30));
        }
        assertThat(maxConcurrentAttempts()).isLessThanOrEqualTo(2);
    }

    @Test
    @Order(3)
    void aDeadWorkersSlotIsFreedWhenItsLeaseExpires() throws Exception {
        List<String> stuck = client.submitBatchOk("[" + sleepJob(120_000, 1) + "," + sleepJob(120_000, 1) + "]");
        for (String id : stuck) {
            client.awaitStatus(id, "RUNNING", Duration.ofSeconds(30));
        }
        for (AppProcess worker : holdersOf(stuck)) {
            worker.kill();
        }

        String next = client.submitOk(sleep(100));
        assertThat(client.awaitStatus(next, "SUCCEEDED", Duration.ofSeconds(60))
                        .path("status")
                        .asText())
                .isEqualTo("SUCCEEDED");
        for (String id : stuck) {
            assertThat(client.awaitFinal(id, Duration.ofSeconds(30))
                            .path("error")
                            .path("code")
                            .asText())
                    .isEqualTo("LEASE_EXPIRED");
        }
        // the first slot freed (of a dead holder's two jobs, one rescued) is the one the new job needs
        Instant freed = instant("SELECT min(ended_at) FROM job_attempt WHERE job_id::text = ANY(?)", stuck);
        assertThat(instant("SELECT min(claimed_at) FROM job_attempt WHERE job_id::text = ?", next))
                .as("the new job was claimed only once a dead worker's slot was freed")
                .isAfter(freed);
        assertThat(maxConcurrentAttempts()).isLessThanOrEqualTo(2);
    }

    // --- fixtures ------------------------------------------------------------------------------

    private static String sleep(int millis) {
        return sleepJob(millis, 3);
    }

    private static String sleepJob(int millis, int attempts) {
        return "{\"type\":\"sleep\",\"queue\":\"" + QUEUE + "\",\"input\":{\"millis\":" + millis + "},\"maxAttempts\":"
                + attempts + "}";
    }

    private static String sleeps(int n, int millis) {
        return IntStream.range(0, n).mapToObj(i -> sleep(millis)).collect(Collectors.joining(",", "[", "]"));
    }

    private static boolean allQueued(List<String> ids) throws Exception {
        for (String id : ids) {
            if (!client.get(id).body().path("status").asText().equals("QUEUED")) {
                return false;
            }
        }
        return true;
    }

    /** The worker processes whose leases hold these jobs (lease owners start with the worker's id). */
    private static List<AppProcess> holdersOf(List<String> ids) throws Exception {
        List<String> owners = strings("SELECT lease_owner FROM job WHERE id::text = ANY(?)", ids);
        List<AppProcess> holders = new ArrayList<>();
        for (int i = 0; i < system.workers.size(); i++) {
            String prefix = system.childMarker + "-w" + i;
            if (owners.stream().anyMatch(o -> o != null && o.startsWith(prefix))) {
                holders.add(system.workers.get(i));
            }
        }
        assertThat(holders).as("lease owners %s", owners).isNotEmpty();
        return holders;
    }

    /** The most attempts of the queue that were claimed and not yet ended at one moment. */
    private static long maxConcurrentAttempts() throws Exception {
        return Long.parseLong(strings("""
                        SELECT max(n)::text FROM (
                            SELECT sum(d) OVER (ORDER BY at, d) AS n FROM (
                                SELECT a.claimed_at AS at, 1 AS d FROM job_attempt a JOIN job j ON j.id = a.job_id
                                 WHERE j.queue = ?
                                UNION ALL
                                SELECT coalesce(a.ended_at, 'infinity'), -1 FROM job_attempt a JOIN job j ON j.id = a.job_id
                                 WHERE j.queue = ?) e) m
                        """, QUEUE, QUEUE).get(0));
    }

    private static List<String> workersThatRan(List<String> ids) throws Exception {
        return strings("SELECT DISTINCT worker FROM job_attempt WHERE job_id::text = ANY(?)", ids);
    }

    private static Instant instant(String sql, Object param) throws Exception {
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            bind(c, s, param);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    private static List<String> strings(String sql, Object... params) throws Exception {
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            bind(c, s, params);
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
            return rows;
        }
    }

    /** Binds the parameters; a list becomes a text array. */
    private static void bind(Connection c, PreparedStatement s, Object... params) throws Exception {
        for (int i = 0; i < params.length; i++) {
            if (params[i] instanceof List<?> list) {
                s.setArray(i + 1, c.createArrayOf("text", list.toArray()));
            } else {
                s.setObject(i + 1, params[i]);
            }
        }
    }
}
