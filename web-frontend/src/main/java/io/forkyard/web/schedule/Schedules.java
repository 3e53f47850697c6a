package io.forkyard.web.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.db.Jdbc;
import io.forkyard.db.StoreException;
import io.forkyard.messaging.Json;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The schedules of each tenant (README "Schedules"): stored, listed and shown with their next ticks
 * and their last jobs. A schedule's {@code next_run_at} is set from now whenever it is saved enabled
 * (ticks that passed while it was disabled are not misfires: nobody asked for them).
 */
@ApplicationScoped
public class Schedules {

    /** How many upcoming ticks and recent jobs a schedule's view shows. */
    static final int SHOWN = 5;

    static final String COLUMNS = """
            id, name, cron, time_zone, type, queue, input::text, max_attempts, timeout_seconds, enabled, misfire,
            last_run_at, created_at, updated_at
            """;

    static final String INSERT = """
            INSERT INTO schedule (id, tenant, name, cron, time_zone, type, queue, input, max_attempts, timeout_seconds,
                                  enabled, misfire, next_run_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)
            ON CONFLICT ON CONSTRAINT schedule_name_per_tenant DO NOTHING
            """;

    static final String UPDATE = """
            UPDATE schedule SET name = ?, cron = ?, time_zone = ?, type = ?, queue = ?, input = ?::jsonb,
                                max_attempts = ?, timeout_seconds = ?, enabled = ?, misfire = ?, next_run_at = ?,
                                updated_at = now()
             WHERE id = ? AND tenant = ?
            """;

    static final String LAST_JOBS = """
            SELECT id, status, scheduled_for FROM job WHERE schedule_id = ? AND tenant = ?
             ORDER BY scheduled_for DESC LIMIT ?
            """;

    /** A schedule's job template, as submitted. */
    public record Template(String type, JsonNode input, String queue, int timeoutSeconds, int maxAttempts) {}

    /** One of a schedule's last jobs: what it was made for, and how it went. */
    public record LastJob(UUID id, String status, Instant scheduledFor) {}

    /** A schedule as the API shows it. */
    public record ScheduleView(
            UUID id,
            String name,
            String cron,
            String timeZone,
            Template job,
            boolean enabled,
            String misfire,
            List<Instant> nextRuns,
            Instant lastRunAt,
            List<LastJob> lastJobs,
            Instant createdAt,
            Instant updatedAt) {}

    /** The outcome of a save: the view, or why not (a name the tenant already uses). */
    public enum Saved {
        SAVED,
        NOT_FOUND,
        NAME_TAKEN
    }

    @Inject
    DataSource dataSource;

    @Inject
    ScheduleTicker ticker;

    /** Stores a new schedule; NAME_TAKEN when the tenant has one of that name. */
    public Saved create(String tenant, UUID id, ScheduleRequest request) {
        int inserted = write(c -> {
            try (PreparedStatement s = c.prepareStatement(INSERT)) {
                s.setObject(1, id);
                s.setString(2, tenant);
                int i = bind(s, 3, request);
                s.setTimestamp(i, nextRun(request));
                return s.executeUpdate();
            }
        });
        ticker.wakeUp();
        return inserted == 1 ? Saved.SAVED : Saved.NAME_TAKEN;
    }

    /** Replaces a schedule; its next tick is counted from now. */
    public Saved update(String tenant, UUID id, ScheduleRequest request) {
        try {
            int updated = write(c -> {
                try (PreparedStatement s = c.prepareStatement(UPDATE)) {
                    int i = bind(s, 1, request);
                    s.setTimestamp(i, nextRun(request));
                    s.setObject(i + 1, id);
                    s.setString(i + 2, tenant);
                    return s.executeUpdate();
                }
            });
            ticker.wakeUp();
            return updated == 1 ? Saved.SAVED : Saved.NOT_FOUND;
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return Saved.NAME_TAKEN;
            }
            throw e;
        }
    }

    /** Deletes a schedule; its jobs stay. False when the tenant has no such schedule. */
    public boolean delete(String tenant, UUID id) {
        return write(c -> {
                    try (PreparedStatement s = c.prepareStatement("DELETE FROM schedule WHERE id = ? AND tenant = ?")) {
                        s.setObject(1, id);
                        s.setString(2, tenant);
                        return s.executeUpdate();
                    }
                })
                == 1;
    }

    public Optional<ScheduleView> get(String tenant, UUID id) {
        return read(tenant, id).stream().findFirst();
    }

    /** The tenant's schedules, by name. */
    public List<ScheduleView> list(String tenant) {
        return read(tenant, null);
    }

    private List<ScheduleView> read(String tenant, UUID id) {
        String sql =
                "SELECT " + COLUMNS + " FROM schedule WHERE tenant = ? AND (?::uuid IS NULL OR id = ?) ORDER BY name";
        try {
            return Jdbc.autoCommit(dataSource, c -> {
                List<ScheduleView> views = new ArrayList<>();
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    s.setString(1, tenant);
                    s.setObject(2, id);
                    s.setObject(3, id);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            views.add(view(c, tenant, rs));
                        }
                    }
                }
                return views;
            });
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private static ScheduleView view(Connection c, String tenant, ResultSet rs) throws SQLException {
        UUID id = rs.getObject(1, UUID.class);
        boolean enabled = rs.getBoolean(10);
        List<Instant> next = new ArrayList<>();
        if (enabled) {
            Cron cron = Cron.parse(rs.getString(3));
            ZoneId zone = ZoneId.of(rs.getString(4));
            Instant t = Instant.now();
            for (int i = 0; i < SHOWN && (t = cron.next(t, zone)) != null; i++) {
                next.add(t);
            }
        }
        List<LastJob> last = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(LAST_JOBS)) {
            s.setObject(1, id);
            s.setString(2, tenant);
            s.setInt(3, SHOWN);
            try (ResultSet jobs = s.executeQuery()) {
                while (jobs.next()) {
                    last.add(new LastJob(
                            jobs.getObject(1, UUID.class),
                            jobs.getString(2),
                            jobs.getTimestamp(3).toInstant()));
                }
            }
        }
        return new ScheduleView(
                id,
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                new Template(rs.getString(5), input(rs.getString(7)), rs.getString(6), rs.getInt(9), rs.getInt(8)),
                enabled,
                rs.getString(11),
                next,
                Jdbc.instant(rs.getTimestamp(12)),
                last,
                rs.getTimestamp(13).toInstant(),
                rs.getTimestamp(14).toInstant());
    }

    /** Binds name … misfire from {@code first}; returns the next parameter's index. */
    private static int bind(PreparedStatement s, int first, ScheduleRequest r) throws SQLException {
        int i = first;
        s.setString(i++, r.name());
        s.setString(i++, r.cron().expression());
        s.setString(i++, r.timeZone().getId());
        s.setString(i++, r.job().type());
        s.setString(i++, r.job().queue());
        s.setString(i++, r.job().inputJson());
        s.setInt(i++, r.job().maxAttempts());
        s.setInt(i++, r.job().timeoutSeconds());
        s.setBoolean(i++, r.enabled());
        s.setString(i++, r.misfire());
        return i;
    }

    private static JsonNode input(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a stored input is not JSON", e);
        }
    }

    private static Timestamp nextRun(ScheduleRequest r) {
        if (!r.enabled()) {
            return null;
        }
        Instant next = r.cron().next(Instant.now(), r.timeZone());
        return next == null ? null : Timestamp.from(next);
    }

    private <T> T write(Jdbc.Work<T> work) {
        try {
            return Jdbc.inTransaction(dataSource, work);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }
}
