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
 * frozen one wakes up (SIGCONT) and can change nothing.
 */
class StaleWorkerIT {

    private static final Map<String, String> FAST_LEASE = Map.of("FORKYARD_WORKER_LEASE", "PT3S");

    @Test
    void workerThatWakesUpAfterLosingItsLeaseCannotOverwriteTheNewerAttempt() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb();
            AppProcess frozen = system.startWorker(1, FAST_LEASE);
            JobClient client = system.client();
            Ledger ledger = new Ledger(system.database);
            int rounds = 40_000_000;
            String id = client.submitOk("{\"type\":\"sha256\",\"input\":{\"text\":\"stale\",\"rounds\":" + rounds
                    + "},\"timeoutSeconds\":300}");
            ledger.accepted(id, Submitter.digest("stale", rounds));
            client.awaitStatus(id, "RUNNING", Duration.ofSeconds(30));

            frozen.signal("STOP");
            AppProcess rescuer = system.startWorker(1, FAST_LEASE);
            JsonNode done = client.awaitFinal(id, Duration.ofMinutes(2));
            assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(done.get("attempt").asInt()).isEqualTo(2);
            String resultBefore = done.get("result").toString();
            String finishedBefore = done.get("finishedAt").asText();

            frozen.signal("CONT");
            // The frozen worker's child finished meanwhile; on waking, the worker either tries to
            // write that result and is refused, or sees its lease gone first and writes nothing.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> attempts(system, id).get(0)[2] != null);
            Thread.sleep(2_000);

            JsonNode after = client.get(id).body();
            assertThat(after.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(after.get("attempt").asInt()).isEqualTo(2);
            assertThat(after.get("result").toString()).isEqualTo(resultBefore);
            assertThat(after.get("finishedAt").asText()).isEqualTo(finishedBefore);
            List<String[]> attempts = attempts(system, id);
            assertThat(attempts).hasSize(2);
            assertThat(attempts.get(0)[1]).isEqualTo("LEASE_EXPIRED");
            assertThat(attempts.get(1)[1]).isEqualTo("SUCCEEDED");
            System.out.println("FAULT stale-worker: frozen worker's write "
                    + ("t".equals(attempts.get(0)[3])
                            ? "was attempted and refused"
                            : "was never attempted (it saw the lost lease first)"));

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
