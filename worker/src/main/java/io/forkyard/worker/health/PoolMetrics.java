package io.forkyard.worker.health;

import io.forkyard.worker.complete.Completer;
import io.forkyard.worker.pool.ChildPool;
import io.forkyard.worker.run.HeldJobs;
import io.forkyard.worker.run.JobRunners;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;

/**
 * Pool and hot-path gauges: {@code forkyard.pool.slots{state=busy|idle}}, {@code
 * forkyard.child.restarts{reason}}, {@code forkyard.worker.buffered} (claimed jobs waiting for a
 * slot), {@code forkyard.worker.held} (jobs whose lease this worker holds) and {@code
 * forkyard.worker.outcomes.pending} (outcomes waiting for their group commit).
 * Job durations are timed by the completer ({@code forkyard.job.duration{type,outcome}}).
 */
@ApplicationScoped
public class PoolMetrics {

    private static final List<String> RESTART_REASONS = List.of(
            "timeout",
            "stopped",
            "crashed",
            "memory-limit",
            "output-limit",
            "protocol-error",
            "exited",
            "recycled",
            "start-failed");

    void register(
            @Observes StartupEvent event,
            ChildPool pool,
            JobRunners runners,
            HeldJobs held,
            Completer completer,
            MeterRegistry registry) {
        Gauge.builder("forkyard.worker.held", held, HeldJobs::size)
                .description("Jobs this worker holds a lease on: buffered, running, or waiting for their outcome write")
                .register(registry);
        Gauge.builder("forkyard.worker.buffered", runners, JobRunners::buffered)
                .description("Claimed jobs waiting in the prefetch buffer for a free slot")
                .register(registry);
        Gauge.builder("forkyard.worker.outcomes.pending", completer, Completer::pending)
                .description("Outcomes handed to the completer and not yet committed")
                .register(registry);
        Gauge.builder("forkyard.pool.slots", pool, p -> p.size() - p.idle())
                .tag("state", "busy")
                .description("Pool slots lent to a running job")
                .register(registry);
        Gauge.builder("forkyard.pool.slots", pool, ChildPool::idle)
                .tag("state", "idle")
                .description("Pool slots with a live child waiting for work")
                .register(registry);
        for (String reason : RESTART_REASONS) {
            FunctionCounter.builder(
                            "forkyard.child.restarts", pool, p -> p.evictions().getOrDefault(reason, 0L))
                    .tag("reason", reason)
                    .description("Children replaced, by reason")
                    .register(registry);
        }
    }
}
