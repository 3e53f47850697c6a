package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault 1: 1,000 CPU jobs while two workers are SIGKILLed in turn every few seconds and restarted.
 * A soak version runs with {@code -Dforkyard.soak.jobs=20000 -Dforkyard.soak.kills=60} (the
 * kills go on until the jobs are all submitted and at least that many kills were done).
 */
class KillWorkersIT {

    private static final int JOBS = Integer.getInteger("forkyard.soak.jobs", 1_000);
    private static final int MIN_KILLS = Integer.getInteger("forkyard.soak.kills", 4);

    private static final Map<String, String> FAST_LEASE = Map.of("FORKYARD_WORKER_LEASE", "PT3S");

    @Test
    void workersKilledEveryFewSecondsLoseNoJobAndWriteNoResultTwice() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb();
            AppProcess[] workers = {system.startWorker(1, FAST_LEASE), system.startWorker(1, FAST_LEASE)};
            Ledger ledger = new Ledger(system.database);
            Submitter submitter = new Submitter(system.client(), ledger, JOBS, 20_000, Duration.ofMillis(5));
            Thread submitting = submitter.start();

            int kills = 0;
            long end = System.nanoTime()
                    + Duration.ofMinutes(3L * Math.max(1, JOBS / 1_000)).toNanos();
            while ((submitting.isAlive() || kills < MIN_KILLS) && System.nanoTime() < end) {
                Thread.sleep(3_000);
                int victim = kills % 2;
                workers[victim].kill();
                kills++;
                workers[victim] = system.startWorker(1, FAST_LEASE);
            }
            submitting.join(Duration.ofMinutes(3L * Math.max(1, JOBS / 1_000)).toMillis());
            assertThat(submitter.failure).isNull();

            Ledger.Report report = ledger.settle("kill-workers kills=" + kills, Duration.ofMinutes(3));
            assertThat(report.accepted()).isEqualTo(JOBS);
            assertThat(kills).isGreaterThanOrEqualTo(MIN_KILLS);
            ledger.assertAllSucceededOnce(report);
        }
    }
}
