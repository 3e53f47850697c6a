package io.forkyard.web.stats;

import io.forkyard.db.Jdbc;
import io.forkyard.web.WebConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Keeps the stats of every finished minute of the last hour, per tenant ({@code job_minute_stats},
 * V8), so {@code GET /api/stats} reads the job table only for the minutes not rolled up yet. A minute
 * is rolled up {@code stats.rollup-delay} after it ended, once, by whichever web replica claims it
 * first ({@code job_minute_rollup}); after that it is kept as it was: a job whose outcome committed
 * later than the delay, or that was retried afterwards, does not change it. Minutes more than two
 * hours old are deleted. A replica that was down catches up on the last hour at its next round.
 */
@ApplicationScoped
public class MinuteRollup {

    private static final Logger LOG = Logger.getLogger(MinuteRollup.class);

    /** The minutes of the last hour that ended at least the delay ago and are not rolled up. */
    static final String DUE = """
            SELECT g.minute
              FROM generate_series(date_trunc('minute', now()) - interval '60 minutes',
                                   date_trunc('minute', now() - ? * interval '1 millisecond') - interval '1 minute',
                                   interval '1 minute') AS g(minute)
             WHERE NOT EXISTS (SELECT 1 FROM job_minute_rollup r WHERE r.minute = g.minute)
             ORDER BY g.minute
            """;

    /**
     * Claims one minute and keeps its stats for every tenant, in one statement; another replica's
     * claim of the same minute waits for this one and then does nothing. The same figures as {@link
     * JobStats#MINUTES} computes for a minute not rolled up.
     */
    static final String ROLL_UP = """
            WITH claimed AS (INSERT INTO job_minute_rollup (minute) VALUES (?) ON CONFLICT DO NOTHING RETURNING minute),
            finished AS (
                SELECT j.tenant, j.status,
                       extract(epoch FROM j.finished_at - j.created_at) * 1000 AS latency,
                       extract(epoch FROM j.finished_at - j.started_at) * 1000 AS run
                  FROM job j
                 WHERE j.finished_at >= ? AND j.finished_at < ?::timestamptz + interval '1 minute'
                   AND j.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
                   AND EXISTS (SELECT 1 FROM claimed))
            INSERT INTO job_minute_stats (minute, tenant, succeeded, failed, cancelled, latency_p50_ms, latency_p95_ms,
                                          latency_max_ms, run_p50_ms, run_p95_ms)
            SELECT ?, tenant,
                   count(*) FILTER (WHERE status = 'SUCCEEDED'),
                   count(*) FILTER (WHERE status = 'FAILED'),
                   count(*) FILTER (WHERE status = 'CANCELLED'),
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY latency)),
                   round(percentile_cont(0.95) WITHIN GROUP (ORDER BY latency)),
                   round(max(latency)),
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY run)),
                   round(percentile_cont(0.95) WITHIN GROUP (ORDER BY run))
              FROM finished GROUP BY tenant
            """;

    static final String PRUNE = """
            DELETE FROM job_minute_stats WHERE minute < now() - interval '2 hours';
            DELETE FROM job_minute_rollup WHERE minute < now() - interval '2 hours'
            """;

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stats-minute-rollup");
            t.setDaemon(true);
            return t;
        });
        long every = config.stats().rollupInterval().toMillis();
        timer.scheduleWithFixedDelay(this::rollUpQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
    }

    private void rollUpQuietly() {
        try {
            rollUp();
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("stats roll-up failed, will retry: %s", e.toString());
        }
    }

    /** Rolls up every due minute, oldest first, each in its own transaction; returns how many. */
    public int rollUp() throws SQLException {
        List<OffsetDateTime> due = Jdbc.autoCommit(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(DUE)) {
                s.setLong(1, config.stats().rollupDelay().toMillis());
                List<OffsetDateTime> minutes = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        minutes.add(rs.getObject(1, OffsetDateTime.class));
                    }
                }
                return minutes;
            }
        });
        for (OffsetDateTime minute : due) {
            Jdbc.autoCommit(dataSource, c -> {
                try (PreparedStatement s = c.prepareStatement(ROLL_UP)) {
                    s.setObject(1, minute);
                    s.setObject(2, minute);
                    s.setObject(3, minute);
                    s.setObject(4, minute);
                    return s.executeUpdate();
                }
            });
        }
        if (!due.isEmpty()) {
            Jdbc.autoCommit(dataSource, c -> {
                try (Statement s = c.createStatement()) {
                    return s.execute(PRUNE);
                }
            });
        }
        return due.size();
    }
}
