package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.testing.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Fault 5: PostgreSQL stops (immediate mode) for about 20 s during a run. Submits answer 503 with
 * Retry-After and no internals, readiness goes DOWN then UP, liveness stays UP, and every job
 * accepted before or after the outage completes.
 */
class DatabaseDownIT {

    @Test
    void databaseOutageIsAnsweredWith503AndEveryAcceptedJobCompletesAfterIt() throws Exception {
        try (ThrowawayCluster cluster = new ThrowawayCluster();
                Forkyard system = new Forkyard(
                        TestDatabase.create("dbdown", "127.0.0.1", Integer.toString(cluster.port), "postgres"))) {
            system.startWeb();
            system.startWorker(2);
            JobClient client = system.client();
            Ledger ledger = new Ledger(system.database);
            // Heavy enough (about 6 s of work) that jobs are queued and running when the database stops.
            Submitter before = new Submitter(client, ledger, 60, 2_000_000, Duration.ofMillis(10));
            before.run();
            assertThat(before.failure).isNull();

            cluster.stopImmediately();
            long downAt = System.nanoTime();
            JobClient.Reply refused = client.submit("{\"type\":\"sha256\",\"input\":{\"text\":\"x\",\"rounds\":1}}");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.raw().headers().firstValue("Retry-After")).isPresent();
            assertThat(refused.raw().headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(refused.raw().body())
                    .doesNotContainIgnoringCase("sql")
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> client.path("/q/health/ready").status() == 503);
            assertThat(client.path("/q/health/live").status()).isEqualTo(200);
            while (System.nanoTime() - downAt < Duration.ofSeconds(20).toNanos()) {
                assertThat(client.path("/q/health/live").status()).isEqualTo(200);
                Thread.sleep(1_000);
            }

            cluster.start();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> client.path("/q/health/ready").status() == 200);
            Submitter after = new Submitter(client, ledger, 100, 200_000, Duration.ofMillis(10));
            after.run();
            assertThat(after.failure).isNull();

            Ledger.Report report = ledger.settle("database-down-20s", Duration.ofMinutes(3));
            assertThat(report.accepted()).isEqualTo(160);
            ledger.assertAllSucceededOnce(report);
        }
    }
}
