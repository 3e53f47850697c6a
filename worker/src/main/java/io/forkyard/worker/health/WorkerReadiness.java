package io.forkyard.worker.health;

import io.forkyard.worker.consume.QueueConsumer;
import io.forkyard.worker.pool.ChildPool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while at least one child is alive and the consumer lanes are taking records. */
@Readiness
@ApplicationScoped
public class WorkerReadiness implements HealthCheck {

    @Inject
    ChildPool pool;

    @Inject
    QueueConsumer consumer;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("forkyard-worker")
                .status(pool.alive() > 0 && consumer.isConsuming())
                .withData("childrenAlive", pool.alive())
                .withData("slots", pool.size())
                .withData("idleSlots", pool.idle())
                .withData("consuming", consumer.isConsuming())
                .build();
    }
}
