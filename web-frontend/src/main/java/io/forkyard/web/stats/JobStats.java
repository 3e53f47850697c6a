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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;

/**
 * What {@code GET /api/stats} reports, read with three statements: the tenant's jobs finished in
 * each of the last 60 minutes (counts by final status, latency and run-time percentiles), its
 * QUEUED and RUNNING jobs per queue, and the live workers from their heartbeats.
 *
 * <p>Cost: the minutes are computed from the jobs themselves, through the {@code job_finished_at}
 * index, so a call reads every job the tenant finished in the last hour (at 1,000 jobs/s that is 3.6
 * million rows: seconds, not milliseconds) and none older; the queue depths read only the tenant's
 * unfinished jobs ({@code job_active}, V8). A per-minute roll-up table would make the first constant;
 * it is not built.
 */
@ApplicationScoped
public class JobStats {

    /**
     * The 60 minutes ending with the current one (oldest first, the current one partial), zero-filled.
     * Latency runs from submit to finish ({@code finished_at - created_at}, scheduled delay and retries
     * included), run from the last attempt's run start to finish; percentiles interpolate
     * ({@code percentile_cont}), in whole milliseconds. A job cancelled before it ran has a latency
     * but no run time.
     */
    static final String MINUTES = """
            WITH clock AS (SELECT now() AS now, date_trunc('minute', now()) - interval '59 minutes' AS first),
            finished AS (
                SELECT date_trunc('minute', j.finished_at) AS minute, j.status,
                       extract(epoch FROM j.finished_at - j.created_at) * 1000 AS latency,
                       extract(epoch FROM j.finished_at - j.started_at) * 1000 AS run
                  FROM job j, clock
                 WHERE j.finished_at >= clock.first AND j.tenant = ?
                   AND j.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')),
            per_minute AS (
                SELECT minute,
                       count(*) FILTER (WHERE status = 'SUCCEEDED') AS succeeded,
                       count(*) FILTER (WHERE status = 'FAILED') AS failed,
                       count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled,
                       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY latency)) AS latency_p50,
                       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY latency)) AS latency_p95,
                       round(max(latency)) AS latency_max,
                       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY run)) AS run_p50,
                       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY run)) AS run_p95
                  FROM finished GROUP BY minute)
            SELECT m.minute, clock.now, coalesce(p.succeeded, 0), coalesce(p.failed, 0), coalesce(p.cancelled, 0),
                   p.latency_p50, p.latency_p95, p.latency_max, p.run_p50, p.run_p95
              FROM clock
             CROSS JOIN generate_series(clock.first, clock.first + interval '59 minutes', interval '1 minute') AS m(minute)
              LEFT JOIN per_minute p ON p.minute = m.minute
             ORDER BY m.minute
            """;

    /**
     * The tenant's queues that have unfinished jobs; {@code scheduled} counts the QUEUED ones whose
     * {@code runAt} (or retry back-off) has not come yet.
     */
    static final String QUEUES = """
            SELECT queue,
                   count(*) FILTER (WHERE status = 'QUEUED') AS queued,
                   count(*) FILTER (WHERE status = 'QUEUED' AND run_at > now()) AS scheduled,
                   count(*) FILTER (WHERE status = 'RUNNING') AS running
              FROM job
             WHERE tenant = ? AND status IN ('QUEUED', 'RUNNING')
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
            return Jdbc.autoCommit(dataSource, c -> {
                List<Stats.Minute> minutes = new ArrayList<>(60);
                Instant generatedAt = null;
                try (PreparedStatement s = c.prepareStatement(MINUTES)) {
                    s.setString(1, tenant);
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
