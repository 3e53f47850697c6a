package io.forkyard.web.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.forkyard.testing.ForkyardTestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The queue gauges of {@code /q/metrics} against the real database: rows inserted directly, with
 * known times, in a queue of the test's own (their outbox rows removed, as if published, so the relay leaves them alone).
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class QueueGaugesTest {

    @Inject
    QueueGauges gauges;

    @Inject
    MeterRegistry registry;

    @Test
    void depthAndOldestAgeCountOnlyDueQueuedJobsAndAnEmptiedQueueReportsZero() throws Exception {
        String queue = "gauges-" + UUID.randomUUID().toString().substring(0, 8);
        aJob(queue, "QUEUED", "now() - interval '90 seconds'");
        aJob(queue, "QUEUED", "now() - interval '10 seconds'");
        aJob(queue, "QUEUED", "now()");
        aJob(queue, "QUEUED", "now() + interval '1 hour'"); // not due
        aJob(queue, "RUNNING", "now() - interval '5 minutes'"); // not queued

        gauges.refresh();

        assertThat(gauge("forkyard.queue.depth", queue)).isEqualTo(3.0);
        assertThat(gauge("forkyard.queue.oldest.age", queue)).isCloseTo(90.0, within(10.0));
        assertThat(gauge("forkyard.dispatch.backlog", queue)).isZero();
        assertThat(gauge("forkyard.queue.depth", "default"))
                .as("the default queue is always there")
                .isNotNegative();

        ForkyardTestResource.database().update("DELETE FROM job WHERE queue = ?", queue);
        gauges.refresh();

        assertThat(gauge("forkyard.queue.depth", queue)).isZero();
        assertThat(gauge("forkyard.queue.oldest.age", queue)).isZero();
        assertThat(registry.get("forkyard.queue.gauges.age").gauge().value()).isLessThan(5.0);
    }

    private double gauge(String name, String queue) {
        return registry.get(name).tag("queue", queue).gauge().value();
    }

    private static void aJob(String queue, String status, String runAt) throws Exception {
        ForkyardTestResource.database()
                .update(
                        "INSERT INTO job (id, tenant, type, queue, status, input, max_attempts, timeout_seconds,"
                                + " run_at, lease_token, lease_owner, lease_expires_at)"
                                + " VALUES (gen_random_uuid(), 'gauges', 'noop', ?, ?, '{}'::jsonb, 3, 30, "
                                + runAt + ", CASE WHEN ? = 'RUNNING' THEN gen_random_uuid() END,"
                                + " CASE WHEN ? = 'RUNNING' THEN 'w' END,"
                                + " CASE WHEN ? = 'RUNNING' THEN now() + interval '1 hour' END)",
                        queue,
                        status,
                        status,
                        status,
                        status);
        // As if published: the relay leaves it alone.
        ForkyardTestResource.database().update("DELETE FROM job_outbox WHERE queue = ?", queue);
    }
}
