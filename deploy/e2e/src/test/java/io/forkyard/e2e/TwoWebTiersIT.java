package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.forkyard.messaging.Topics;
import io.forkyard.testing.SseClient;
import io.forkyard.testing.TopicRecords;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One system with TWO web tiers and a worker, for the safety nets that only show on a running
 * system. Both web processes relay the outbox, rescue expired leases and prune old jobs, as
 * replicas do: each job is still published once, each expired lease rescued once, each old job
 * deleted once. On the same system: a QUEUED job whose record is gone is published again and runs;
 * a FAILED job retried by hand runs again on a worker; a queued job cancelled after its record
 * reached Kafka never starts.
 *
 * <p>"Published once" is counted on the queue topic itself: a plain consumer reads every record
 * from the first offset, keyed by job id; "rescued once" too (a second rescue would publish the job
 * again), and by the attempt history. The tests run one after another on the shared system and
 * leave its worker running (one freezes it for a while with SIGSTOP); the settings are short
 * (sweeps every 0.2 s, small batches, so both web tiers take turns).
 */
class TwoWebTiersIT {

    private static final Map<String, String> WEB = Map.of(
            "FORKYARD_WEB_DISPATCHER_SWEEP_INTERVAL", "PT0.2S",
            "FORKYARD_WEB_DISPATCHER_BATCH_SIZE", "5",
            "FORKYARD_WEB_DISPATCHER_RESCUE_BATCH_SIZE", "2",
            // Long enough that no job of these tests waits that long for a worker; the stale check
            // runs every quarter of it.
            "FORKYARD_WEB_DISPATCHER_REDISPATCH_AFTER", "PT30S",
            "FORKYARD_WEB_RETENTION_INTERVAL", "PT0.5S",
            "FORKYARD_WEB_RETENTION_BATCH_SIZE", "5",
            "FORKYARD_WEB_SUBMIT_EXEC_PROGRAMS", ParentKiller.java());
    private static final Map<String, String> WORKER = Map.of(
            "FORKYARD_WORKER_LEASE", "PT3S",
            "FORKYARD_WORKER_EXEC_ALLOWED_PROGRAMS", ParentKiller.java(),
            "FORKYARD_WORKER_EXEC_ALLOW_OPTIONS", "true");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PRUNED = Pattern.compile("retention: deleted (\\d+) finished job");

    private static Forkyard system;
    private static AppProcess webA;
    private static AppProcess webB;
    private static JobClient clientA;
    private static JobClient clientB;
    private static AppProcess worker;

    @BeforeAll
    static void start() throws Exception {
        system = new Forkyard(); // assigned first, so that a failed start still closes it
        system.startWeb(WEB);
        webA = system.web;
        webB = system.startAnotherWeb(WEB);
        clientA = system.client(webA);
        clientB = system.client(webB);
        worker = system.startWorker(2, WORKER);
    }

    @AfterAll
    static void stop() throws Exception {
        if (system != null) {
            system.close();
        }
    }

    /**
     * Both web tiers run a schedule ticker (README "Schedules"): a schedule ticking every second
     * for a few seconds makes one job per tick, none missing, none twice.
     */
    @Test
    void aScheduleMakesOneJobPerTickWhileBothWebTiersTick() throws Exception {
        String id = ScheduleTicks.start(clientA);
        Thread.sleep(6_000);
        ScheduleTicks.Report report = ScheduleTicks.stop(clientB, system.database, id);
        System.out.println("two web tiers, schedule " + report);
        assertThat(report.ticks()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void eachJobIsPublishedOnceWhileBothWebTiersRelay() throws Exception {
        // 150 jobs due at the same moment, submitted to both tiers (a batch may hold ten rounds): at
        // that moment both relays lock and publish rounds of five, for many rounds. The single submits wake each tier's
        // relay
        // right after their commits.
        String runAt = Instant.now().plusSeconds(4).toString();
        String batch = "["
                + String.join(
                        ",", Collections.nCopies(50, "{\"type\":\"noop\",\"input\":{},\"runAt\":\"" + runAt + "\"}"))
                + "]";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.addAll((i % 2 == 0 ? clientA : clientB).submitBatchOk(batch));
        }
        for (int i = 0; i < 10; i++) {
            ids.add((i % 2 == 0 ? clientA : clientB).submitOk("{\"type\":\"noop\",\"input\":{}}"));
        }

        for (String id : ids) {
            assertThat(clientA.awaitFinal(id, Duration.ofSeconds(60))
                            .get("status")
                            .asText())
                    .isEqualTo("SUCCEEDED");
        }

        Map<String, Integer> records = queueRecords();
        for (String id : ids) {
            assertThat(records.getOrDefault(id, 0)).as("records of job " + id).isEqualTo(1);
            assertThat(attempts(id)).as("attempts of job " + id).containsExactly("SUCCEEDED");
        }
        assertNoTierLogged("dispatch round failed");
    }

    @Test
    void eachExpiredLeaseIsRescuedOnceWhileBothWebTiersSweep() throws Exception {
        List<String> retried = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            retried.add(clientA.submitOk("{\"type\":\"sleep\",\"input\":{\"millis\":4000},\"maxAttempts\":2}"));
        }
        for (int i = 0; i < 2; i++) {
            failed.add(clientB.submitOk("{\"type\":\"sleep\",\"input\":{\"millis\":4000},\"maxAttempts\":1}"));
        }
        List<String> all = new ArrayList<>(retried);
        all.addAll(failed);
        for (String id : all) {
            clientA.awaitStatus(id, "RUNNING", Duration.ofSeconds(30));
        }

        // Frozen, it renews nothing: its leases (3 s) expire, and both tiers' sweepers see them.
        worker.signal("STOP");
        try {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> count(
                                    "SELECT count(*) FROM job_attempt WHERE job_id = ANY(?::uuid[])"
                                            + " AND outcome = 'LEASE_EXPIRED'",
                                    all)
                            == all.size());
        } finally {
            worker.signal("CONT"); // it finds its leases lost, and runs the re-queued jobs again
        }

        for (String id : retried) {
            JsonNode job = clientA.awaitFinal(id, Duration.ofSeconds(90));
            assertThat(job.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(job.get("attempt").asInt()).isEqualTo(2);
            assertThat(attempts(id)).as("attempts of " + id).containsExactly("LEASE_EXPIRED", "SUCCEEDED");
        }
        for (String id : failed) {
            JsonNode job = clientA.awaitFinal(id, Duration.ofSeconds(90));
            assertThat(job.get("status").asText()).isEqualTo("FAILED");
            assertThat(job.at("/error/code").asText()).isEqualTo("LEASE_EXPIRED");
            assertThat(attempts(id)).as("attempts of " + id).containsExactly("LEASE_EXPIRED");
        }
        // A second rescue of the same lease would have published the job once more.
        Map<String, Integer> records = queueRecords();
        for (String id : retried) {
            assertThat(records.get(id))
                    .as("records of " + id + ": its submit and its one rescue")
                    .isEqualTo(2);
        }
        for (String id : failed) {
            assertThat(records.get(id))
                    .as("records of " + id + ": its submit only")
                    .isEqualTo(1);
        }
        // Each job that failed for good is dead-lettered once, by whichever tier rescued it.
        String deadLetterTopic = Topics.deadLetters(system.topicPrefix);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> failed.stream()
                        .allMatch(id -> TopicRecords.countByKey(system.broker.bootstrapServers(), deadLetterTopic)
                                .containsKey(id)));
        Map<String, Integer> deadLetters = TopicRecords.countByKey(system.broker.bootstrapServers(), deadLetterTopic);
        for (String id : failed) {
            assertThat(deadLetters.get(id)).as("dead letters of " + id).isEqualTo(1);
        }
        for (String id : retried) {
            assertThat(deadLetters).as("dead letters").doesNotContainKey(id);
        }
        assertNoTierLogged("lease sweep failed");
    }

    @Test
    void eachOldJobIsPrunedOnceWhileBothWebTiersPrune() throws Exception {
        List<String> old = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            old.add((i % 2 == 0 ? clientA : clientB).submitOk("{\"type\":\"noop\",\"input\":{}}"));
        }
        String young = clientA.submitOk("{\"type\":\"noop\",\"input\":{}}");
        for (String id : old) {
            clientA.awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(60));
        }
        clientA.awaitStatus(young, "SUCCEEDED", Duration.ofSeconds(60));
        int prunedBefore = prunedInLogs();

        // Finished 30 days ago: past the default retention (7 days), unlike every other job here.
        sql("UPDATE job SET finished_at = now() - interval '30 days' WHERE id = ANY(?::uuid[])", (Object)
                old.toArray(String[]::new));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> count("SELECT count(*) FROM job WHERE id = ANY(?::uuid[])", old) == 0);
        assertThat(count("SELECT count(*) FROM job_attempt WHERE job_id = ANY(?::uuid[])", old))
                .as("their attempt history goes with them")
                .isZero();
        assertThat(clientA.get(young).body().get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(clientB.get(old.get(0)).status()).isEqualTo(404);
        // The two pruners' logged counts add up to the jobs deleted: none was counted twice.
        await().atMost(Duration.ofSeconds(10)).until(() -> prunedInLogs() - prunedBefore >= old.size());
        Thread.sleep(1_000); // a few more pruning rounds of both tiers
        assertThat(prunedInLogs() - prunedBefore).isEqualTo(old.size());
        assertNoTierLogged("retention pruning failed");
    }

    @Test
    void aQueuedJobWhoseRecordIsGoneIsPublishedAgainAndRuns() throws Exception {
        // Published an hour ago (out of the outbox), but no record of it exists: the broker archived
        // or lost it.
        String id = UUID.randomUUID().toString();
        sql(
                "INSERT INTO job (id, tenant, type, queue, status, input, max_attempts, timeout_seconds,"
                        + " created_at, run_at)"
                        + " VALUES (?::uuid, 'e2e', 'noop', 'default', 'QUEUED', '{}'::jsonb, 3, 30,"
                        + " now() - interval '1 hour', now() - interval '1 hour');"
                        + " DELETE FROM job_outbox WHERE job_id = ?::uuid",
                id,
                id);
        assertThat(queueRecords()).doesNotContainKey(id);

        JsonNode job = clientA.awaitFinal(id, Duration.ofSeconds(60)); // redispatch-after 30 s, checked every 7.5 s
        assertThat(job.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(attempts(id)).containsExactly("SUCCEEDED");
        assertThat(queueRecords().get(id))
                .as("published again once, by one of the two tiers")
                .isEqualTo(1);
    }

    @Test
    void aFailedJobRetriedByHandRunsAgainOnAWorker() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "retry-");
        Path spared = dir.resolve("spared");
        String id = clientB.submitOk("{\"type\":\"exec\",\"input\":{\"program\":\"" + ParentKiller.java()
                + "\",\"args\":" + ParentKiller.argsJson("--unless-exists", spared.toString())
                + "},\"maxAttempts\":1}");
        JsonNode failed = clientA.awaitFinal(id, Duration.ofSeconds(60));
        assertThat(failed.get("status").asText()).isEqualTo("FAILED");
        assertThat(failed.at("/error/code").asText()).isEqualTo("CHILD_CRASHED");

        Files.createFile(spared); // the program no longer crashes its child
        JobClient.Reply retry = clientA.retry(id);

        assertThat(retry.status()).isEqualTo(202);
        assertThat(retry.body().get("status").asText()).isEqualTo("QUEUED");
        JsonNode done = clientB.awaitFinal(id, Duration.ofSeconds(60));
        assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(done.get("attempt").asInt()).as("fresh attempts").isEqualTo(1);
        assertThat(done.at("/result/exitCode").asInt()).isZero();
        assertThat(done.at("/result/stdout").asText()).contains("spared");
        assertThat(done.get("error").isNull()).isTrue();
        assertThat(attempts(id)).containsExactly("CHILD_CRASHED", "SUCCEEDED");
        assertThat(attemptWorkers(id)).allSatisfy(w -> assertThat(w).startsWith(system.childMarker));
        assertThat(queueRecords().get(id)).as("its submit and its retry").isEqualTo(2);
        assertThat(clientA.retry(id).status())
                .as("a SUCCEEDED job is not retried")
                .isEqualTo(409);
    }

    @Test
    void aQueuedJobCancelledAfterItsRecordReachedKafkaNeverStarts() throws Exception {
        Metrics metrics = new Metrics(worker);
        double skippedBefore = metrics.value("forkyard_worker_records_skipped_total");
        String cancelled;
        worker.signal("STOP"); // it can't claim the job before the cancel
        try {
            cancelled = clientA.submitOk("{\"type\":\"noop\",\"input\":{}}");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> count(
                                    "SELECT count(*) FROM job WHERE id = ANY(?::uuid[])"
                                            + " AND NOT EXISTS (SELECT 1 FROM job_outbox WHERE job_id = id)",
                                    List.of(cancelled))
                            == 1);
            assertThat(queueRecords()).containsEntry(cancelled, 1);
            JobClient.Reply cancel = clientB.cancel(cancelled);
            assertThat(cancel.status()).isEqualTo(202);
            assertThat(cancel.body().get("status").asText()).isEqualTo("CANCELLED");
        } finally {
            worker.signal("CONT");
        }

        String marker = clientA.submitOk("{\"type\":\"noop\",\"input\":{}}");
        assertThat(clientA.awaitFinal(marker, Duration.ofSeconds(60))
                        .get("status")
                        .asText())
                .isEqualTo("SUCCEEDED");
        // The worker gets the cancelled job's record too: it skips it, or (were it wrong) claims it.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> metrics.value("forkyard_worker_records_skipped_total") > skippedBefore
                        || !attempts(cancelled).isEmpty());

        assertThat(attempts(cancelled)).as("no attempt was ever claimed").isEmpty();
        JsonNode job = clientA.get(cancelled).body();
        assertThat(job.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(job.get("attempt").asInt()).isZero();
        assertThat(job.get("startedAt").isNull()).isTrue();
        assertThat(metrics.value("forkyard_worker_records_skipped_total"))
                .as("its record was skipped")
                .isGreaterThan(skippedBefore);
    }

    @Test
    void anEventStreamOnOneWebTierCarriesTheProgressOfAJobSubmittedThroughTheOther() throws Exception {
        // Open before the submit: B's tenant stream is live only, so what it gets came through the
        // events topic (relayed by either tier), read by B's own reader. sha256 is this test's type alone.
        Map<String, String> key = Map.of("Authorization", "Bearer " + system.apiKey());
        try (SseClient live = SseClient.open(URI.create(webB.baseUrl() + "/api/events?type=sha256"), null, key)) {
            assertThat(live.status()).isEqualTo(200);
            String id = clientA.submitOk("{\"type\":\"sha256\",\"input\":{\"text\":\"events\",\"rounds\":100000000}}");

            List<JsonNode> liveEvents = new ArrayList<>();
            while (liveEvents.isEmpty()
                    || !liveEvents
                            .get(liveEvents.size() - 1)
                            .get("status")
                            .asText()
                            .equals("SUCCEEDED")) {
                SseClient.Event e = live.next(Duration.ofSeconds(180));
                assertThat(e.id()).startsWith(id + ":");
                liveEvents.add(JSON.readTree(e.data()));
            }
            List<Integer> livePercents = liveEvents.stream()
                    .filter(e -> e.get("status").asText().equals("RUNNING"))
                    .filter(e -> !e.at("/progress/percent").isNull())
                    .map(e -> e.at("/progress/percent").asInt())
                    .toList();
            assertThat(livePercents)
                    .as("progress B's stream got live")
                    .isNotEmpty()
                    .isSorted();
            assertThat(livePercents.get(0)).isBetween(0, 99);

            // B's stream of the job itself, from its first event: the whole history, each once, in order.
            try (SseClient history =
                    SseClient.open(URI.create(webB.baseUrl() + "/api/jobs/" + id + "/events"), null, key)) {
                List<SseClient.Event> all = history.untilEnd(Duration.ofSeconds(60));
                List<Integer> seqs =
                        all.stream().map(e -> Integer.parseInt(e.id())).toList();
                assertThat(seqs)
                        .isEqualTo(IntStream.rangeClosed(1, seqs.size()).boxed().toList());
                assertThat(JSON.readTree(all.get(0).data()).get("status").asText())
                        .isEqualTo("QUEUED");
                assertThat(JSON.readTree(all.get(all.size() - 1).data())
                                .get("status")
                                .asText())
                        .isEqualTo("SUCCEEDED");
                assertThat(seqs.size())
                        .as("QUEUED, RUNNING, progress, SUCCEEDED")
                        .isGreaterThan(3);
                for (JsonNode e : liveEvents) {
                    assertThat(all.get(e.get("seq").asInt() - 1).data())
                            .as("the live event agrees with the history")
                            .isEqualTo(JSON.writeValueAsString(e));
                }
            }
        }
    }

    private static Map<String, Integer> queueRecords() {
        return TopicRecords.countByJob(system.broker.bootstrapServers(), Topics.queue(system.topicPrefix, "default"));
    }

    /** Neither web tier's log has {@code text}, e.g. the warning of a failed round. */
    private static void assertNoTierLogged(String text) throws Exception {
        for (AppProcess web : List.of(webA, webB)) {
            try (var lines = Files.lines(web.log())) {
                assertThat(lines.filter(line -> line.contains(text)).toList())
                        .as("lines of " + web.log())
                        .isEmpty();
            }
        }
    }

    /** Sum of the jobs both web tiers logged as pruned so far. */
    private static int prunedInLogs() throws Exception {
        int total = 0;
        for (AppProcess web : List.of(webA, webB)) {
            Matcher m = PRUNED.matcher(Files.readString(web.log()));
            while (m.find()) {
                total += Integer.parseInt(m.group(1));
            }
        }
        return total;
    }

    /** The outcome of each attempt of the job, in claim order ("open" while it runs). */
    private static List<String> attempts(String id) throws Exception {
        return column(
                "SELECT coalesce(outcome, 'open') FROM job_attempt WHERE job_id = ?::uuid ORDER BY claimed_at", id);
    }

    private static List<String> attemptWorkers(String id) throws Exception {
        return column("SELECT worker FROM job_attempt WHERE job_id = ?::uuid ORDER BY claimed_at", id);
    }

    private static List<String> column(String query, String id) throws Exception {
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement(query)) {
            s.setString(1, id);
            List<String> values = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        }
    }

    private static int count(String query, List<String> ids) throws Exception {
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement(query)) {
            s.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static void sql(String statement, Object... params) throws Exception {
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < params.length; i++) {
                if (params[i] instanceof String[] array) {
                    s.setArray(i + 1, c.createArrayOf("text", array));
                } else {
                    s.setObject(i + 1, params[i]);
                }
            }
            s.executeUpdate();
        }
    }
}
