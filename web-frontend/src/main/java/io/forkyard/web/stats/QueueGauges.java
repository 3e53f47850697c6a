package io.forkyard.web.stats;

import io.forkyard.db.Jdbc;
import io.forkyard.web.WebConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The queue gauges of {@code /q/metrics}, per queue: jobs QUEUED and due ({@code
 * forkyard.queue.depth}), the age of the oldest of them ({@code forkyard.queue.oldest.age}) and the
 * due jobs not yet published to Kafka ({@code forkyard.dispatch.backlog}). One query every {@code
 * stats.gauge-interval} refreshes them all, so a scrape costs no query; every web replica reports
 * the same figures (dashboards and alerts take {@code max}). The queue {@code default} is there
 * from the start; another appears with its first job and stays, at 0 when empty. If the query
 * fails, the gauges keep their last figures and {@code forkyard.queue.gauges.age} (seconds since
 * the last refresh) grows.
 */
@ApplicationScoped
public class QueueGauges {

    private static final Logger LOG = Logger.getLogger(QueueGauges.class);

    /** The partial index {@code job_queued} and the outbox serve it. */
    static final String FIGURES = """
            SELECT coalesce(q.queue, o.queue), coalesce(q.depth, 0), coalesce(q.oldest, 0), coalesce(o.backlog, 0)
              FROM (SELECT queue, count(*) AS depth, extract(epoch FROM now() - min(run_at)) AS oldest
                      FROM job WHERE status = 'QUEUED' AND run_at <= now() GROUP BY queue) q
              FULL JOIN (SELECT queue, count(*) AS backlog FROM job_outbox WHERE run_at <= now() GROUP BY queue) o
                ON o.queue = q.queue
            """;

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    @Inject
    MeterRegistry registry;

    /** Per queue: depth, oldest age in seconds, dispatch backlog. */
    private final Map<String, double[]> figures = new ConcurrentHashMap<>();

    private volatile long refreshedNanos = System.nanoTime();
    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent event) {
        Gauge.builder("forkyard.queue.gauges.age", this, q -> (System.nanoTime() - q.refreshedNanos) / 1e9)
                .description("Seconds since the queue gauges were last refreshed from the database")
                .baseUnit("seconds")
                .register(registry);
        // The default queue is always there, so dashboards and alerts see it before its first job.
        figures.put("default", new double[3]);
        register("default");
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "queue-gauges");
            t.setDaemon(true);
            return t;
        });
        long every = config.stats().gaugeInterval().toMillis();
        timer.scheduleWithFixedDelay(this::refreshQuietly, 0, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("queue gauges not refreshed, will retry: %s", e.toString());
        }
    }

    /** Reads the figures of every queue with one query and sets the gauges. */
    public void refresh() throws SQLException {
        Map<String, double[]> read = Jdbc.autoCommit(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(FIGURES);
                    ResultSet rs = s.executeQuery()) {
                Map<String, double[]> rows = new HashMap<>();
                while (rs.next()) {
                    rows.put(rs.getString(1), new double[] {rs.getLong(2), rs.getDouble(3), rs.getLong(4)});
                }
                return rows;
            }
        });
        Set<String> gone = new HashSet<>(figures.keySet());
        gone.removeAll(read.keySet());
        for (String queue : gone) {
            figures.put(queue, new double[3]);
        }
        read.forEach((queue, values) -> {
            if (figures.put(queue, values) == null) {
                register(queue);
            }
        });
        refreshedNanos = System.nanoTime();
    }

    private void register(String queue) {
        Gauge.builder("forkyard.queue.depth", figures, f -> f.get(queue)[0])
                .description("Jobs QUEUED whose time has come, per queue")
                .tag("queue", queue)
                .register(registry);
        Gauge.builder("forkyard.queue.oldest.age", figures, f -> f.get(queue)[1])
                .description("Seconds the oldest due QUEUED job of the queue has waited since its run_at")
                .tag("queue", queue)
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("forkyard.dispatch.backlog", figures, f -> f.get(queue)[2])
                .description("Due jobs not yet published to Kafka (the outbox), per queue")
                .tag("queue", queue)
                .register(registry);
    }
}
