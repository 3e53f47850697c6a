package io.forkyard.web.housekeeping;

import io.forkyard.db.Jdbc;
import io.forkyard.job.JobStatus;
import io.forkyard.web.WebConfig;
import io.forkyard.web.dispatch.OutboxRelay;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Rescues orphans: every {@code dispatcher.sweep-interval}, RUNNING jobs whose lease expired (their
 * worker died, hung, or lost the database) go back to QUEUED for another attempt, or to FAILED when
 * no attempt is left (its dead letter is written by the {@code job_dead_letter} trigger), or to CANCELLED when a cancel was asked.
 * One statement per round; several web processes share the work ({@code SKIP LOCKED}). The attempt
 * that expired is closed as {@code LEASE_EXPIRED} by the attempt-history trigger.
 */
@ApplicationScoped
public class LeaseSweeper {

    static {
        for (JobStatus next : List.of(JobStatus.QUEUED, JobStatus.FAILED, JobStatus.CANCELLED)) {
            JobStatus.requireTransition(JobStatus.RUNNING, next);
        }
    }

    private static final Logger LOG = Logger.getLogger(LeaseSweeper.class);

    static final String RESCUE = """
            UPDATE job SET
                   status = CASE WHEN cancel_requested THEN 'CANCELLED'
                                 WHEN attempt < max_attempts THEN 'QUEUED' ELSE 'FAILED' END,
                   run_at = now(),
                   finished_at = CASE WHEN cancel_requested OR attempt >= max_attempts THEN now() END,
                   error_code = CASE WHEN cancel_requested THEN 'CANCELLED' ELSE 'LEASE_EXPIRED' END,
                   error_message = CASE WHEN cancel_requested THEN 'cancelled while running'
                        ELSE 'the worker running attempt ' || attempt || ' stopped renewing its lease' END,
                   lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
             WHERE id IN (SELECT id FROM job WHERE status = 'RUNNING' AND lease_expires_at < now()
                           ORDER BY lease_expires_at LIMIT ? FOR UPDATE SKIP LOCKED)
            RETURNING id, type, status
            """;

    /** A job whose lease expired, and the status the rescue gave it. */
    record Rescued(UUID id, String type, JobStatus status) {}

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    @Inject
    OutboxRelay relay;

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = config.dispatcher().sweepInterval().toMillis();
        timer.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
    }

    /** One round: rescues up to {@code rescue-batch-size} expired leases; returns them. */
    List<Rescued> sweep() {
        try {
            List<Rescued> rescued = Jdbc.inTransaction(dataSource, c -> {
                Jdbc.preferIndexOrder(c); // every finished job leaves expired dead entries in job_lease_expiry
                try (PreparedStatement s = c.prepareStatement(RESCUE)) {
                    s.setInt(1, config.dispatcher().rescueBatchSize());
                    List<Rescued> rows = new ArrayList<>();
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            rows.add(new Rescued(
                                    rs.getObject(1, UUID.class), rs.getString(2), JobStatus.valueOf(rs.getString(3))));
                        }
                    }
                    return rows;
                }
            });
            if (!rescued.isEmpty()) {
                LOG.infof("%d job(s) whose lease expired: re-queued, failed or cancelled", rescued.size());
                relay.wakeUp();
            }
            return rescued;
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("lease sweep failed, will retry: %s", e.toString());
            return List.of();
        }
    }
}
