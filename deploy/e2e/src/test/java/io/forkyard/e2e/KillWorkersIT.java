package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Fault 1: 1,000 CPU jobs while two workers are SIGKILLed in turn every few seconds and restarted. */
class KillWorkersIT {

    private static final Map<String, String> FAST_LEASE = Map.of("FORKYARD_WORKER_LEASE", "PT3S");

    @Test
    void workersKilledEveryFewSecondsLoseNoJobAndWriteNoResultTwice() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb();
            AppProcess[] workers = {system.startWorker(1, FAST_LEASE), system.startWorker(1, FAST_LEASE)};
            Ledger ledger = new Ledger(system.database);
            Submitter submitter = new Submitter(system.client(), ledger, 1_000, 20_000, Duration.ofMillis(5));
            Thread submitting = submitter.start();

            int kills = 0;
            long end = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while ((submitting.isAlive() || kills < 4) && kills < 8 && System.nanoTime() < end) {
                Thread.sleep(3_000);
                int victim = kills % 2;
                workers[victim].kill();
                kills++;
                workers[victim] = system.startWorker(1, FAST_LEASE);
            }
            submitting.join(Duration.ofMinutes(3).toMillis());
            assertThat(submitter.failure).isNull();

            Ledger.Report report = ledger.settle("kill-workers kills=" + kills, Duration.ofMinutes(3));
            assertThat(report.accepted()).isEqualTo(1_000);
            assertThat(kills).isGreaterThanOrEqualTo(4);
            ledger.assertAllSucceededOnce(report);
        }
    }
}
