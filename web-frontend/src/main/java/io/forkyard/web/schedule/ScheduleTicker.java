package io.forkyard.web.schedule;

import io.forkyard.db.Jdbc;
import io.forkyard.web.BackgroundLoop;
import io.forkyard.web.WebConfig;
import io.forkyard.web.dispatch.OutboxRelay;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Makes the jobs of due schedule ticks (README "Schedules"). Every web replica runs one; a round
 * locks the due schedules ({@code FOR UPDATE SKIP LOCKED}, so replicas share them and never make the
 * same tick twice), inserts the jobs of their ticks ({@link Ticks}) and moves each schedule's {@code
 * next_run_at} in ONE transaction: a crash before the commit leaves the tick to the next round, after
 * it the tick is made. Times are the database's clock, so replicas agree on what is due. Between
 * rounds it sleeps until the next tick it knows of, at most {@code poll-interval}.
 */
@ApplicationScoped
public class ScheduleTicker {

    private static final Logger LOG = Logger.getLogger(ScheduleTicker.class);
    private static final int ROUND = 100;

    static final String DUE = """
            SELECT id, tenant, cron, time_zone, type, queue, input::text, max_attempts, timeout_seconds, misfire,
                   next_run_at, coalesce(?::timestamptz, now())
              FROM schedule
             WHERE next_run_at <= coalesce(?::timestamptz, now())
             ORDER BY next_run_at LIMIT ? FOR UPDATE SKIP LOCKED
            """;

    static final String INSERT_JOBS = """
            INSERT INTO job (id, tenant, type, queue, status, input, attempt, max_attempts, timeout_seconds, run_at,
                             schedule_id, scheduled_for)
            SELECT gen_random_uuid(), ?, ?, ?, 'QUEUED', ?::jsonb, 0, ?, ?, now(), ?, t
              FROM unnest(?::timestamptz[]) AS t
            ON CONFLICT (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL DO NOTHING
            """;

    static final String ADVANCE = """
            UPDATE schedule SET next_run_at = ?, last_run_at = coalesce(?, last_run_at) WHERE id = ?
            """;

    static final String NEXT_DUE = "SELECT min(next_run_at) FROM schedule WHERE next_run_at IS NOT NULL";

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    @Inject
    OutboxRelay relay;

    private final Map<String, Cron> parsed = new ConcurrentHashMap<>();
    private final BackgroundLoop loop = new BackgroundLoop("forkyard-schedules");

    void start(@Observes StartupEvent event) {
        if (config.schedules().tick()) {
            loop.start(this::loop);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        loop.stop(Duration.ofSeconds(5));
    }

    /** A schedule was made or changed here: look again now rather than at the next poll. */
    public void wakeUp() {
        loop.wakeUp();
    }

    private void loop() {
        long poll = config.schedules().pollInterval().toNanos();
        while (loop.running()) {
            long sleep = poll;
            try {
                while (tick(null) == ROUND && loop.running()) {
                    // more were due
                }
                Instant next = nextDue();
                if (next != null) {
                    long until = TimeUnit.MILLISECONDS.toNanos(next.toEpochMilli() - System.currentTimeMillis());
                    sleep = Math.max(0, Math.min(poll, until));
                }
            } catch (SQLException | RuntimeException e) {
                LOG.warnf("schedule round failed, will retry: %s", e.getMessage());
            }
            BackgroundLoop.sleep(sleep);
        }
    }

    /**
     * One round at {@code now} (null: the database's clock): makes the jobs of every due schedule's
     * ticks, up to {@value #ROUND} schedules; returns how many schedules it handled.
     */
    public int tick(Instant now) throws SQLException {
        int[] jobs = {0};
        int handled = Jdbc.inTransaction(dataSource, c -> {
            int n = 0;
            Timestamp at = now == null ? null : Timestamp.from(now);
            try (PreparedStatement s = c.prepareStatement(DUE)) {
                s.setTimestamp(1, at);
                s.setTimestamp(2, at);
                s.setInt(3, ROUND);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        jobs[0] += advance(c, rs);
                        n++;
                    }
                }
            }
            return n;
        });
        if (jobs[0] > 0) {
            relay.wakeUp();
        }
        return handled;
    }

    /** Makes one schedule's due ticks; returns the jobs it inserted. */
    private int advance(Connection c, ResultSet due) throws SQLException {
        UUID id = due.getObject(1, UUID.class);
        ZoneId zone = ZoneId.of(due.getString(4));
        Cron cron = parsed.computeIfAbsent(due.getString(3), Cron::parse);
        Ticks.Plan plan = Ticks.plan(
                cron,
                zone,
                due.getTimestamp(11).toInstant(),
                due.getTimestamp(12).toInstant(),
                config.schedules().misfireThreshold(),
                due.getString(10).equals("run-once"));
        int inserted = 0;
        List<Instant> run = plan.run();
        if (!run.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement(INSERT_JOBS)) {
                s.setString(1, due.getString(2));
                s.setString(2, due.getString(5));
                s.setString(3, due.getString(6));
                s.setString(4, due.getString(7));
                s.setInt(5, due.getInt(8));
                s.setInt(6, due.getInt(9));
                s.setObject(7, id);
                s.setArray(
                        8,
                        c.createArrayOf(
                                "timestamptz", run.stream().map(Timestamp::from).toArray()));
                inserted = s.executeUpdate();
            }
        }
        try (PreparedStatement s = c.prepareStatement(ADVANCE)) {
            s.setTimestamp(1, plan.next() == null ? null : Timestamp.from(plan.next()));
            s.setTimestamp(2, run.isEmpty() ? null : Timestamp.from(run.get(run.size() - 1)));
            s.setObject(3, id);
            s.executeUpdate();
        }
        return inserted;
    }

    private Instant nextDue() throws SQLException {
        return Jdbc.autoCommit(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(NEXT_DUE);
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                return Jdbc.instant(rs.getTimestamp(1));
            }
        });
    }
}
