package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Fault 2: a worker frozen (SIGSTOP) mid-job past its lease; another worker finishes the job; the
 * frozen one wakes up (SIGCONT), its child's result in hand, tries to write it, and is refused:
 * the job keeps the newer attempt's result, and the refused write is marked in the attempt history.
 */
class StaleWorkerIT {

    private static final Map<String, String> FAST_LEASE = Map.of("FORKYARD_WORKER_LEASE", "PT3S");

    /**
     * The frozen worker's lease keeper beats only at its start. Woken, it would otherwise race its
     * completer, and a beat that came first would drop the result unwritten (also a refusal, but
     * with nothing to show). So its lease is never renewed: 30 s, long enough to freeze the worker
     * before it ends, and it expires as a frozen worker's does.
     */
    private static final Map<String, String> FROZEN = Map.of(
            "FORKYARD_WORKER_LEASE", "PT30S",
            "FORKYARD_WORKER_HEARTBEAT", "PT1H");

    private static final String STALE_WRITES = "forkyard_worker_stale_writes_total";

    @Test
    void workerThatWakesUpAfterLosingItsLeaseCannotOverwriteTheNewerAttempt() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb();
            AppProcess frozen = system.startWorker(1, FROZEN);
            Metrics frozenMetrics = new Metrics(frozen);
            JobClient client = system.client();
            Ledger ledger = new Ledger(system.database);
            assertThat(frozenMetrics.value(STALE_WRITES)).isZero();
            int rounds = 40_000_000;
            String id = client.submitOk("{\"type\":\"sha256\",\"input\":{\"text\":\"stale\",\"rounds\":" + rounds
                    + "},\"timeoutSeconds\":300}");
            client.awaitStatus(id, "RUNNING", Duration.ofSeconds(30));

            frozen.signal("STOP");
            ledger.accepted(id, Submitter.digest("stale", rounds)); // seconds of CPU: not before the freeze
            AppProcess rescuer = system.startWorker(1, FAST_LEASE);
            JsonNode done = client.awaitFinal(id, Duration.ofMinutes(2));
            assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(done.get("attempt").asInt()).isEqualTo(2);
            String resultBefore = done.get("result").toString();
            String finishedBefore = done.get("finishedAt").asText();

            frozen.signal("CONT");
            // The event: the woken worker's child hands over the first attempt's result and the
            // worker's write of it is refused (its completer counts the refusal).
            await().atMost(Duration.ofMinutes(2)).until(() -> frozenMetrics.value(STALE_WRITES) >= 1);

            JsonNode after = client.get(id).body();
            assertThat(after.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(after.get("attempt").asInt()).isEqualTo(2);
            assertThat(after.get("result").toString()).isEqualTo(resultBefore);
            assertThat(after.get("finishedAt").asText()).isEqualTo(finishedBefore);
            List<String[]> attempts = attempts(system, id);
            assertThat(attempts).hasSize(2);
            assertThat(attempts.get(0)[0])
                    .as("attempt 1 was the frozen worker's")
                    .startsWith(system.childMarker + "-w0-");
            assertThat(attempts.get(0)[1]).isEqualTo("LEASE_EXPIRED");
            assertThat(attempts.get(0)[3])
                    .as("attempt 1's write was refused and marked")
                    .isEqualTo("t");
            assertThat(attempts.get(1)[1]).isEqualTo("SUCCEEDED");
            assertThat(attempts.get(1)[3]).isEqualTo("f");
            assertThat(frozenMetrics.value(STALE_WRITES)).isEqualTo(1);
            System.out.println("FAULT stale-worker: the woken worker's write was attempted, refused and marked");

            Ledger.Report report = ledger.settle("stale-worker", Duration.ofSeconds(10));
            ledger.assertAllSucceededOnce(report);
            assertThat(report.duplicateExecutions()).isEqualTo(1);
            rescuer.close();
        }
    }

    /** Per attempt: worker, outcome, ended, stale write rejected ("t"/"f"), in attempt order. */
    private static List<String[]> attempts(Forkyard system, String id) throws Exception {
        List<String[]> rows = new ArrayList<>();
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement("SELECT worker, outcome, ended_at, stale_write_rejected"
                        + " FROM job_attempt WHERE job_id = ? ORDER BY attempt")) {
            s.setObject(1, UUID.fromString(id));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(new String[] {
                        rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4) ? "t" : "f"
                    });
                }
            }
        }
        return rows;
    }
}
