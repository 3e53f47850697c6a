package io.forkyard.worker.health;

import io.forkyard.worker.intake.Intake;
import io.forkyard.worker.pool.ChildPool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the child pool can serve (a child is alive or being replaced; not every slot failed
 * to start) and the consumer lanes are taking records, once one of the queues' consumers has its
 * partitions assigned (its first share fetch answered).
 */
@Readiness
@ApplicationScoped
public class WorkerReadiness implements HealthCheck {

    @Inject
    ChildPool pool;

    @Inject
    Intake intake;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("forkyard-worker")
                .status(pool.canServe() && intake.isFetching())
                .withData("childrenAlive", pool.alive())
                .withData("slots", pool.size())
                .withData("idleSlots", pool.idle())
                .withData("consuming", intake.isConsuming())
                .withData("assigned", intake.isFetching())
                .build();
    }
}
