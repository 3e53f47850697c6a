package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault 7: a worker is SIGKILLed while it holds a prefetched batch (claimed jobs waiting for a
 * slot) and outcomes waiting for their group commit. To catch it holding both, the test locks the
 * job table for writes: the completer can't commit, its slots run the buffered jobs and queue their
 * outcomes. After the kill the lock goes, another worker starts, and every job must end SUCCEEDED
 * exactly once: the dead worker's claims expire and run again, its unwritten outcomes are lost
 * with it, and nothing it held can be written twice.
 */
class KillHoldingWorkerIT {

    private static final Map<String, String> FAST_LEASE = Map.of("FORKYARD_WORKER_LEASE", "PT3S");
    private static final int JOBS = 40;
    /** About 0.25 s of work each, so a few are still buffered while others finish. */
    private static final int ROUNDS = 4_000_000;

    @Test
    void aWorkerKilledWithBufferedJobsAndUnwrittenOutcomesLosesNothingAndWritesNothingTwice() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb();
            Ledger ledger = new Ledger(system.database);
            // Queued before the worker starts (the test computes each digest as it submits), so the
            // worker's first fetches fill its buffer.
            Submitter submitter = new Submitter(system.client(), ledger, JOBS, ROUNDS, Duration.ZERO);
            submitter.run();
            assertThat(submitter.failure).isNull();
            AppProcess victim = system.startWorker(2, FAST_LEASE);
            Metrics metrics = new Metrics(victim);
            await().atMost(Duration.ofSeconds(60)).until(() -> metrics.value("forkyard_worker_buffered") >= 4);

            try (Connection lock = system.database.connect()) {
                lock.setAutoCommit(false);
                try (Statement s = lock.createStatement()) {
                    s.execute("LOCK TABLE job IN EXCLUSIVE MODE"); // reads go on, writes wait
                }
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> metrics.value("forkyard_worker_outcomes_pending") >= 2
                                && metrics.value("forkyard_worker_buffered") >= 1);
                double pending = metrics.value("forkyard_worker_outcomes_pending");
                double buffered = metrics.value("forkyard_worker_buffered");
                victim.kill();
                lock.rollback();
                System.out.printf(
                        "FAULT kill-holding-worker: killed holding %.0f buffered job(s) and %.0f unwritten outcome(s)%n",
                        buffered, pending);
            }
            system.startWorker(2, FAST_LEASE);

            Ledger.Report report = ledger.settle("kill-holding-worker", Duration.ofMinutes(3));
            assertThat(report.accepted()).isEqualTo(JOBS);
            ledger.assertAllSucceededOnce(report);
            assertThat(report.duplicateExecutions())
                    .as("the killed worker's jobs ran again")
                    .isPositive();
        }
    }
}
