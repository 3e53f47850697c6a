package io.forkyard.web.stats;

import io.forkyard.db.Jdbc;
import io.forkyard.db.StoreException;
import io.forkyard.web.WebConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.PGStatement;

/**
 * What {@code GET /api/stats} reports, read with three statements: the tenant's jobs finished in
 * each of the last 60 minutes (counts by final status, latency and run-time percentiles), its
 * QUEUED and RUNNING jobs per queue, and the live workers from their heartbeats.
 *
 * <p>Cost: the finished minutes come from the roll-up (60 rows); only the jobs finished since the
 * last minute rolled up (the current minute's, normally) are read, through {@code job_finished_at}.
 * The queue depths read only unfinished jobs ({@code job_queued}, V8, and {@code job_lease_expiry}).
 */
@ApplicationScoped
public class JobStats {

    /**
     * The 60 minutes ending with the current one (oldest first, the current one partial), zero-filled:
     * the minutes rolled up ({@link MinuteRollup}) from {@code job_minute_stats}, the others (the
     * current one, and any the roll-up has not reached) from the jobs that finished in them. Latency
     * runs from submit to finish ({@code finished_at - created_at}, scheduled delay and retries
     * included), run from the last attempt's run start to finish; percentiles interpolate ({@code
     * percentile_cont}), in whole milliseconds. A job cancelled before it ran has a latency but no
     * run time.
     */
    static final String MINUTES = """
            WITH clock AS (SELECT now() AS now, date_trunc('minute', now()) - interval '59 minutes' AS first),
            minutes AS (
                SELECT g.minute, EXISTS (SELECT 1 FROM job_minute_rollup r WHERE r.minute = g.minute) AS rolled
                  FROM clock, generate_series(clock.first, clock.first + interval '59 minutes', interval '1 minute')
                       AS g(minute)),
            finished AS (
                SELECT date_trunc('minute', j.finished_at) AS minute, j.status,
                       extract(epoch FROM j.finished_at - j.created_at) * 1000 AS latency,
                       extract(epoch FROM j.finished_at - j.started_at) * 1000 AS run
                  FROM job j
                 WHERE j.finished_at >= ? AND j.tenant = ?
                   AND j.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')),
            live AS (
                SELECT minute,
                       count(*) FILTER (WHERE status = 'SUCCEEDED') AS succeeded,
                       count(*) FILTER (WHERE status = 'FAILED') AS failed,
                       count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled,
                       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY latency)) AS latency_p50_ms,
                       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY latency)) AS latency_p95_ms,
                       round(max(latency)) AS latency_max_ms,
                       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY run)) AS run_p50_ms,
                       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY run)) AS run_p95_ms
                  FROM finished GROUP BY minute)
            SELECT m.minute, clock.now,
                   coalesce(l.succeeded, s.succeeded, 0), coalesce(l.failed, s.failed, 0),
                   coalesce(l.cancelled, s.cancelled, 0),
                   coalesce(l.latency_p50_ms, s.latency_p50_ms), coalesce(l.latency_p95_ms, s.latency_p95_ms),
                   coalesce(l.latency_max_ms, s.latency_max_ms),
                   coalesce(l.run_p50_ms, s.run_p50_ms), coalesce(l.run_p95_ms, s.run_p95_ms)
              FROM clock
             CROSS JOIN minutes m
              LEFT JOIN live l ON l.minute = m.minute AND NOT m.rolled
              LEFT JOIN job_minute_stats s ON s.minute = m.minute AND s.tenant = ? AND m.rolled
             ORDER BY m.minute
            """;

    /**
     * The first minute of the last hour not rolled up yet (the current one, normally): {@link
     * #MINUTES} reads the jobs finished since. Given to it as a value, so the planner sees how few
     * jobs that is and reads them through {@code job_finished_at}; computed inside the query it was an
     * unknown bound, and the planner read every job of the tenant instead.
     */
    static final String LIVE_FROM = """
            SELECT min(g.minute)
              FROM generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()),
                                   interval '1 minute') AS g(minute)
             WHERE NOT EXISTS (SELECT 1 FROM job_minute_rollup r WHERE r.minute = g.minute)
            """;

    /**
     * The tenant's queues that have unfinished jobs; {@code scheduled} counts the QUEUED ones whose
     * {@code runAt} (or retry back-off) has not come yet. QUEUED jobs through {@code job_queued} (V8),
     * RUNNING ones through {@code job_lease_expiry} (a lease exists exactly while a job runs): all the
     * running jobs of every tenant, at most the workers' slots and buffers.
     */
    static final String QUEUES = """
            SELECT queue, sum(queued), sum(scheduled), sum(running)
              FROM (SELECT queue, count(*) AS queued, count(*) FILTER (WHERE run_at > now()) AS scheduled, 0 AS running
                      FROM job WHERE tenant = ? AND status = 'QUEUED'
                     GROUP BY queue
                    UNION ALL
                    SELECT queue, 0, 0, count(*)
                      FROM job WHERE lease_expires_at IS NOT NULL AND tenant = ? AND status = 'RUNNING'
                     GROUP BY queue) AS depth
             GROUP BY queue ORDER BY queue
            """;

    /** Workers that beat recently. They serve every tenant, so every caller sees them all. */
    static final String WORKERS = """
            SELECT id, queues, slots, busy, buffered, started_at, heartbeat_at
              FROM worker WHERE heartbeat_at > now() - ? * interval '1 millisecond'
             ORDER BY id
            """;

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    /** The stats of a tenant, now. */
    public Stats of(String tenant) {
        try {
            // one transaction: every statement sees the same now()
            return Jdbc.inTransaction(dataSource, c -> {
                List<Stats.Minute> minutes = new ArrayList<>(60);
                Instant generatedAt = null;
                OffsetDateTime liveFrom;
                try (PreparedStatement s = c.prepareStatement(LIVE_FROM);
                        ResultSet rs = s.executeQuery()) {
                    rs.next();
                    liveFrom = rs.getObject(1, OffsetDateTime.class);
                }
                try (PreparedStatement s = c.prepareStatement(MINUTES)) {
                    // Planned with the value every time: a plan made for an unknown bound (the
                    // driver's server-side statement, after five uses) reads every job of the tenant.
                    s.unwrap(PGStatement.class).setPrepareThreshold(0);
                    s.setObject(1, liveFrom);
                    s.setString(2, tenant);
                    s.setString(3, tenant);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            generatedAt = Jdbc.instant(rs.getTimestamp(2));
                            minutes.add(new Stats.Minute(
                                    Jdbc.instant(rs.getTimestamp(1)),
                                    rs.getLong(3),
                                    rs.getLong(4),
                                    rs.getLong(5),
                                    new Stats.Latency(millis(rs, 6), millis(rs, 7), millis(rs, 8)),
                                    new Stats.Run(millis(rs, 9), millis(rs, 10))));
                        }
                    }
                }
                return new Stats(generatedAt, minutes, queues(c, tenant), workers(c));
            });
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private static List<Stats.Queue> queues(Connection c, String tenant) throws SQLException {
        List<Stats.Queue> queues = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(QUEUES)) {
            s.setString(1, tenant);
            s.setString(2, tenant);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    queues.add(new Stats.Queue(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                }
            }
        }
        return queues;
    }

    private List<Stats.Worker> workers(Connection c) throws SQLException {
        List<Stats.Worker> workers = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(WORKERS)) {
            s.setLong(1, config.stats().liveWorkerAge().toMillis());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Array queues = rs.getArray(2);
                    int slots = rs.getInt(3);
                    int busy = rs.getInt(4);
                    workers.add(new Stats.Worker(
                            rs.getString(1),
                            Arrays.asList((String[]) queues.getArray()),
                            slots,
                            busy,
                            Math.max(0, slots - busy),
                            rs.getInt(5),
                            Jdbc.instant(rs.getTimestamp(6)),
                            Jdbc.instant(rs.getTimestamp(7))));
                }
            }
        }
        return workers;
    }

    private static Long millis(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
