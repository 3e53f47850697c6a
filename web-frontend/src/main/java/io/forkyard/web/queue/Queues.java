package io.forkyard.web.queue;

import io.forkyard.db.Jdbc;
import io.forkyard.db.StoreException;
import io.forkyard.web.WebConfig;
import io.forkyard.web.dispatch.OutboxRelay;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Declared queues (README "Queues"): which exist, their pause and concurrency limit, and what is in
 * them. Queues are never undeclared, so a name once seen declared is kept in memory and a submit's
 * check costs no query; an unknown name is looked up in the table before it is refused (another web
 * replica or a worker may have just declared it).
 */
@ApplicationScoped
public class Queues {

    private static final Logger LOG = Logger.getLogger(Queues.class);

    static final String DECLARE_ALL = "INSERT INTO queue (name) SELECT unnest(?::text[]) ON CONFLICT DO NOTHING";

    static final String UPSERT = """
            INSERT INTO queue AS q (name, concurrency_limit) VALUES (?, ?)
            ON CONFLICT (name) DO UPDATE SET concurrency_limit = excluded.concurrency_limit, updated_at = now()
            RETURNING (q.xmax = 0) AS created
            """;

    /** Pausing or resuming; on resume, jobs turned away while paused are made pending again. */
    static final String SET_PAUSED = "UPDATE queue SET paused = ?, updated_at = now() WHERE name = ?";

    static final String REDISPATCH_QUEUED = """
            SELECT job_outbox_put(array_agg(id)) FROM job WHERE queue = ? AND status = 'QUEUED'
            """;

    static final String SETTINGS =
            "SELECT name, paused, concurrency_limit FROM queue WHERE ?::text IS NULL OR name = ?";

    /**
     * What is in each queue, for every tenant: QUEUED jobs through {@code job_queued}, RUNNING ones
     * through {@code job_lease_expiry} (a lease exists exactly while a job runs).
     */
    static final String DEPTHS = """
            SELECT queue,
                   count(*) FILTER (WHERE status = 'QUEUED' AND run_at <= now()),
                   count(*) FILTER (WHERE status = 'QUEUED' AND run_at > now()),
                   count(*) FILTER (WHERE status = 'RUNNING'),
                   extract(epoch FROM now() - min(run_at) FILTER (WHERE status = 'QUEUED' AND run_at <= now()))
              FROM job
             WHERE (status = 'QUEUED' OR lease_expires_at IS NOT NULL) AND (?::text IS NULL OR queue = ?)
             GROUP BY queue
            """;

    static final String WORKERS = """
            SELECT id, queues FROM worker
             WHERE heartbeat_at > now() - ? * interval '1 millisecond'
             ORDER BY id
            """;

    /** One queue as {@code GET /api/queues} shows it. */
    public record QueueView(
            String name,
            boolean paused,
            Integer concurrencyLimit,
            long queued,
            long scheduled,
            long running,
            Double oldestDueAgeSeconds,
            List<String> workers) {}

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    @Inject
    OutboxRelay relay;

    private final Set<String> declared = ConcurrentHashMap.newKeySet();

    void declareConfigured(@Observes StartupEvent event) {
        Set<String> names = new LinkedHashSet<>();
        names.add(config.defaultQueue());
        names.addAll(config.queues().orElse(List.of()));
        try {
            Jdbc.autoCommit(dataSource, c -> {
                try (PreparedStatement s = c.prepareStatement(DECLARE_ALL)) {
                    s.setArray(1, c.createArrayOf("text", names.toArray()));
                    return s.executeUpdate();
                }
            });
        } catch (SQLException e) {
            LOG.warnf(
                    "could not write the configured queues %s to the database (they are declared here all the same;"
                            + " GET /api/queues lists them once a worker or a restart has written them): %s",
                    names, e.getMessage());
        }
        declared.addAll(names); // the configuration declares them, whatever the table says
    }

    /** Whether {@code name} is a declared queue. */
    public boolean isDeclared(String name) {
        if (declared.contains(name)) {
            return true;
        }
        if (settings(name).isEmpty()) {
            return false;
        }
        declared.add(name);
        return true;
    }

    /** Every declared queue, by name. */
    public List<QueueView> list() {
        return views(null);
    }

    public Optional<QueueView> get(String name) {
        return views(name).stream().findFirst();
    }

    /**
     * Declares {@code name}, or sets the concurrency limit of a declared queue ({@code null}: no
     * limit); returns whether it was new.
     */
    public boolean declare(String name, Integer concurrencyLimit) {
        boolean created = write(c -> {
            try (PreparedStatement s = c.prepareStatement(UPSERT)) {
                s.setString(1, name);
                s.setObject(2, concurrencyLimit);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
        declared.add(name);
        relay.queuesChanged();
        return created;
    }

    /** Pauses or resumes a declared queue; false when it is not declared. */
    public boolean setPaused(String name, boolean paused) {
        boolean found = write(c -> {
            try (PreparedStatement s = c.prepareStatement(SET_PAUSED)) {
                s.setBoolean(1, paused);
                s.setString(2, name);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            if (!paused) {
                // Records turned away at a claim while paused are gone; publish their jobs again.
                try (PreparedStatement s = c.prepareStatement(REDISPATCH_QUEUED)) {
                    s.setString(1, name);
                    s.execute();
                }
            }
            return true;
        });
        if (found) {
            relay.queuesChanged();
        }
        return found;
    }

    private record Settings(boolean paused, Integer concurrencyLimit) {}

    private Map<String, Settings> settings(String name) {
        try {
            return Jdbc.autoCommit(dataSource, c -> readSettings(c, name));
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private static Map<String, Settings> readSettings(Connection c, String name) throws SQLException {
        Map<String, Settings> found = new TreeMap<>();
        try (PreparedStatement s = c.prepareStatement(SETTINGS)) {
            s.setString(1, name);
            s.setString(2, name);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), new Settings(rs.getBoolean(2), (Integer) rs.getObject(3)));
                }
            }
        }
        return found;
    }

    private record Depth(long queued, long scheduled, long running, Double oldestDueAgeSeconds) {}

    private List<QueueView> views(String name) {
        try {
            // one transaction: every statement sees the same now()
            return Jdbc.inTransaction(dataSource, c -> {
                Map<String, Settings> settings = readSettings(c, name);
                Map<String, Depth> depths = new LinkedHashMap<>();
                try (PreparedStatement s = c.prepareStatement(DEPTHS)) {
                    s.setString(1, name);
                    s.setString(2, name);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            double age = rs.getDouble(5);
                            depths.put(
                                    rs.getString(1),
                                    new Depth(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.wasNull() ? null : age));
                        }
                    }
                }
                Map<String, List<String>> workers = new TreeMap<>();
                try (PreparedStatement s = c.prepareStatement(WORKERS)) {
                    s.setLong(1, config.stats().liveWorkerAge().toMillis());
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            Array queues = rs.getArray(2);
                            for (String q : Arrays.asList((String[]) queues.getArray())) {
                                workers.computeIfAbsent(q, k -> new ArrayList<>())
                                        .add(rs.getString(1));
                            }
                        }
                    }
                }
                List<QueueView> views = new ArrayList<>(settings.size());
                settings.forEach((queue, set) -> {
                    Depth d = depths.getOrDefault(queue, new Depth(0, 0, 0, null));
                    views.add(new QueueView(
                            queue,
                            set.paused(),
                            set.concurrencyLimit(),
                            d.queued(),
                            d.scheduled(),
                            d.running(),
                            d.oldestDueAgeSeconds(),
                            workers.getOrDefault(queue, List.of())));
                });
                declared.addAll(settings.keySet());
                return views;
            });
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private <T> T write(Jdbc.Work<T> work) {
        try {
            return Jdbc.inTransaction(dataSource, work);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }
}
