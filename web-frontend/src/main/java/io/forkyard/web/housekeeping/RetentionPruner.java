package io.forkyard.web.housekeeping;

import io.forkyard.db.Jdbc;
import io.forkyard.web.WebConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Deletes finished jobs older than {@code forkyard.web.retention.max-age} (their attempt history
 * goes with them), in batches of short transactions so the table is never locked for long, and the
 * heartbeat rows of workers silent for longer than {@code retention.silent-worker-age}, and browser
 * sessions that have expired. Several web
 * processes may prune at once: {@code SKIP LOCKED} keeps them apart.
 */
@ApplicationScoped
public class RetentionPruner {

    private static final Logger LOG = Logger.getLogger(RetentionPruner.class);

    static final String PRUNE_JOBS = """
            DELETE FROM job WHERE id IN (
                SELECT id FROM job WHERE finished_at < now() - ? * interval '1 millisecond'
                 ORDER BY finished_at LIMIT ? FOR UPDATE SKIP LOCKED)
            """;

    static final String PRUNE_WORKERS = "DELETE FROM worker WHERE heartbeat_at < now() - ? * interval '1 millisecond'";

    /** Browser sessions past their end (a session's age is given by its own expiry: no setting). */
    static final String PRUNE_SESSIONS =
            "DELETE FROM web_session WHERE expires_at < now() - ? * interval '1 millisecond'";

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "retention-pruner");
            t.setDaemon(true);
            return t;
        });
        long every = config.retention().interval().toMillis();
        timer.scheduleWithFixedDelay(this::prune, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
    }

    /** Deletes every expired job, batch by batch, and silent workers; returns how many jobs. */
    public int prune() {
        int total = 0;
        try {
            int deleted;
            do {
                deleted = delete(
                        PRUNE_JOBS,
                        config.retention().maxAge(),
                        config.retention().batchSize());
                total += deleted;
            } while (deleted == config.retention().batchSize()
                    && !Thread.currentThread().isInterrupted());
            if (total > 0) {
                LOG.infof(
                        "retention: deleted %d finished job(s) older than %s",
                        total, config.retention().maxAge());
            }
            delete(PRUNE_WORKERS, config.retention().silentWorkerAge(), 0);
            delete(PRUNE_SESSIONS, Duration.ZERO, 0);
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("retention pruning failed, will retry: %s", e.toString());
        }
        return total;
    }

    private int delete(String sql, Duration age, int limit) throws SQLException {
        return Jdbc.autoCommit(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setLong(1, age.toMillis());
                if (limit > 0) {
                    s.setInt(2, limit);
                }
                return s.executeUpdate();
            }
        });
    }
}
