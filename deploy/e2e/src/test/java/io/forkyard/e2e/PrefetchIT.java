package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Prefetch never starves: worker A (one slot) is busy with a long job and holds short jobs in its
 * prefetch buffer when worker B (one slot) starts, idle. No short job may wait in A's buffer while
 * B is idle for longer than one lease renewal interval (the heartbeat, here 1 s), measured from the
 * attempt history and B's heartbeat row, all on the database's clock; and the short jobs finish
 * while the long one still runs.
 */
@Isolated // a 1 s bound on the database's clock: nothing else may load the machine
class PrefetchIT {

    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** Writing the hand-back and the scheduling of two JVMs on a shared machine. */
    private static final Duration SLACK = Duration.ofSeconds(1);

    private static final Map<String, String> SETTINGS = Map.of(
            "FORKYARD_WORKER_HEARTBEAT", "PT1S",
            "FORKYARD_WORKER_EXEC_ALLOWED_PROGRAMS", "/bin/sleep",
            // The long job still runs when the test ends: a stop need not wait the default 30 s for it
            // (the test runs alone, so that wait held up the whole suite).
            "FORKYARD_WORKER_SHUTDOWN_GRACE", "PT1S");

    /** One attempt: who, and when it was claimed, started and ended (null while not yet). */
    private record Attempt(String worker, Instant claimed, Instant started, Instant ended, String outcome) {}

    @Test
    void noJobWaitsInABusyWorkersBufferWhileAnotherWorkerIsIdleForLongerThanOneHeartbeat() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb(Map.of("FORKYARD_WEB_SUBMIT_EXEC_PROGRAMS", "/bin/sleep"));
            system.startWorker(1, SETTINGS);
            JobClient client = system.client();
            String longJob = client.submitOk(
                    "{\"type\":\"exec\",\"input\":{\"program\":\"sleep\",\"args\":[\"300\"]},\"timeoutSeconds\":600}");
            client.awaitStatus(longJob, "RUNNING", Duration.ofSeconds(30));
            List<String> shortJobs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                shortJobs.add(client.submitOk(
                        "{\"type\":\"sha256\",\"input\":{\"text\":\"short-" + i + "\",\"rounds\":200000}}"));
            }
            for (String id : shortJobs) {
                client.awaitStatus(id, "RUNNING", Duration.ofSeconds(30)); // claimed into A's buffer
            }

            system.startWorker(1, SETTINGS);
            for (String id : shortJobs) {
                JsonNode done = client.awaitFinal(id, Duration.ofSeconds(30));
                assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
            }
            assertThat(client.get(longJob).body().get("status").asText())
                    .as("the short jobs did not wait for the long one")
                    .isEqualTo("RUNNING");

            String workerB = system.childMarker + "-w1";
            Instant bAlive = heartbeatStart(system, workerB);
            List<Attempt> bRuns = new ArrayList<>();
            List<Attempt> waitsInA = new ArrayList<>();
            for (String id : shortJobs) {
                for (Attempt a : attempts(system, id)) {
                    if (a.worker().startsWith(workerB)) {
                        bRuns.add(a);
                    } else {
                        waitsInA.add(a);
                    }
                }
            }
            assertThat(waitsInA).extracting(Attempt::outcome).contains("RELEASED");
            assertThat(bRuns).isNotEmpty();
            Duration longest = Duration.ZERO;
            for (Attempt a : waitsInA) {
                Instant leftBuffer = a.started() != null ? a.started() : a.ended();
                Duration starved = idleOverlap(a.claimed(), leftBuffer, bAlive, bRuns);
                assertThat(starved)
                        .as("time job of %s waited in A's buffer while B was idle", a)
                        .isLessThanOrEqualTo(HEARTBEAT.plus(SLACK));
                longest = starved.compareTo(longest) > 0 ? starved : longest;
            }
            System.out.printf(
                    "PREFETCH: %d short job(s) handed back, run by the idle worker %d time(s); longest wait in the"
                            + " busy worker's buffer while the other was idle: %d ms (heartbeat %d ms)%n",
                    waitsInA.stream()
                            .filter(a -> "RELEASED".equals(a.outcome()))
                            .count(),
                    bRuns.size(),
                    longest.toMillis(),
                    HEARTBEAT.toMillis());
        }
    }

    /** How long [from, to) overlaps B's idle time: alive since {@code bAlive} and not running a job. */
    private static Duration idleOverlap(Instant from, Instant to, Instant bAlive, List<Attempt> bRuns) {
        Instant start = from.isAfter(bAlive) ? from : bAlive;
        if (!to.isAfter(start)) {
            return Duration.ZERO;
        }
        Duration overlap = Duration.between(start, to);
        for (Attempt run : bRuns) {
            Instant busyFrom = run.started().isAfter(start) ? run.started() : start;
            Instant busyTo = run.ended().isBefore(to) ? run.ended() : to;
            if (busyTo.isAfter(busyFrom)) {
                overlap = overlap.minus(Duration.between(busyFrom, busyTo));
            }
        }
        return overlap;
    }

    private static Instant heartbeatStart(Forkyard system, String workerPrefix) throws Exception {
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement("SELECT started_at FROM worker WHERE id LIKE ?")) {
            s.setString(1, workerPrefix + "-%");
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("worker B's heartbeat row").isTrue();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    private static List<Attempt> attempts(Forkyard system, String id) throws Exception {
        List<Attempt> attempts = new ArrayList<>();
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement("SELECT worker, claimed_at, started_at, ended_at, outcome"
                        + " FROM job_attempt WHERE job_id = ? ORDER BY attempt")) {
            s.setObject(1, UUID.fromString(id));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Map<Integer, Instant> times = new HashMap<>();
                    for (int i = 2; i <= 4; i++) {
                        times.put(
                                i,
                                rs.getTimestamp(i) == null
                                        ? null
                                        : rs.getTimestamp(i).toInstant());
                    }
                    attempts.add(
                            new Attempt(rs.getString(1), times.get(2), times.get(3), times.get(4), rs.getString(5)));
                }
            }
        }
        return attempts;
    }
}
