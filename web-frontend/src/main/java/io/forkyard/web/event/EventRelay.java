package io.forkyard.web.event;

import io.forkyard.db.Jdbc;
import io.forkyard.messaging.Json;
import io.forkyard.web.BackgroundLoop;
import io.forkyard.web.WebConfig;
import io.forkyard.web.dispatch.QueueTopics;
import io.forkyard.web.dispatch.RelayProducers;
import io.forkyard.web.job.JobView;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * The event relay: publishes the job events (table {@code job_event}, written by triggers with
 * each change, never updated) to the events topic, key = job id, the tenant in the header {@value
 * #TENANT_HEADER}.
 *
 * <p>It keeps no mark on the rows. Each row records the transaction that wrote it ({@code xid});
 * the relay keeps the last snapshot up to which it has published ({@link #published}). A round
 * takes a new snapshot (the target) and publishes the events whose transaction the target sees
 * and the last one did not: those committed in between, each once, in pages of {@code
 * events.batch-size} ordered by transaction. When the broker acknowledged the last page the
 * target becomes the published snapshot. Nothing waits on Kafka inside a transaction, and a long
 * transaction delays only its own events. A job's changes commit in {@code seq} order, so its
 * events go out in that order, save when a later change's transaction began before an earlier
 * one's: readers order by {@code seq} and fill a gap from PostgreSQL.
 *
 * <p>One web process relays at a time: the one holding the advisory lock {@link #LOCK} on a
 * connection it keeps. It saves its snapshot in {@code event_relay} about once a second, and a
 * process that takes over (the others try every {@value #TAKEOVER_SECONDS} s) starts from there:
 * at least once, what was published after the last save goes out again.
 *
 * <p>A thread and a producer of its own, apart from the dispatch relay's: a job's dispatch never
 * waits behind a round of events (a producer's flush waits for every record sent through it).
 * Nothing wakes it (a worker's changes happen in another process): it looks every {@code
 * events.relay-interval} while idle, at once again after a full page.
 */
@ApplicationScoped
public class EventRelay {

    private static final Logger LOG = Logger.getLogger(EventRelay.class);

    /** Record header holding the job's tenant, so a reader routes an event without parsing it. */
    public static final String TENANT_HEADER = "forkyard.tenant";

    /** The advisory lock ({@code pg_try_advisory_lock}) that the relaying web process holds. */
    static final long LOCK = 0x466f_726b_7961_7264L; // "Forkyard"

    static final int TAKEOVER_SECONDS = 1;

    private static final long SAVE_NANOS = TimeUnit.SECONDS.toNanos(1);

    static final String LEAD = "SELECT pg_try_advisory_lock(?)";

    static final String LOAD = "SELECT published::text FROM event_relay";

    static final String SAVE = "UPDATE event_relay SET published = ?::pg_snapshot, saved_at = now()";

    /**
     * A page of the window between the published snapshot and the target (the statement's own
     * snapshot when none is given yet), after a key; the target comes back on every row, and on
     * the one row with no event when the page is empty.
     */
    static final String PAGE = """
            SELECT t.target::text AS target, e.xid::text AS xid, e.job_id, e.seq, e.status, e.progress_percent,
                   e.progress_message, e.at, e.tenant, e.type, e.queue, e.batch_id
              FROM (SELECT coalesce(?::pg_snapshot, pg_current_snapshot()) AS target) t
              LEFT JOIN LATERAL (
                   SELECT e.xid, e.job_id, e.seq, e.status, e.progress_percent, e.progress_message, e.at,
                          j.tenant, j.type, j.queue, j.batch_id
                     FROM job_event e JOIN job j ON j.id = e.job_id
                    WHERE e.xid >= ?::xid8
                      AND (e.xid, e.job_id, e.seq) > (?::xid8, ?::uuid, ?)
                      AND NOT pg_visible_in_snapshot(e.xid, ?::pg_snapshot)
                      AND pg_visible_in_snapshot(e.xid, t.target)
                    ORDER BY e.xid, e.job_id, e.seq
                    LIMIT ?) e ON true
             ORDER BY e.xid, e.job_id, e.seq
            """;

    /** A snapshot as {@code pg_snapshot} writes it: {@code xmin:xmax:running,...}. */
    record Snapshot(String text, long xmin, long xmax, long[] running) {

        static Snapshot parse(String text) {
            String[] parts = text.split(":", -1);
            long[] running = parts[2].isEmpty()
                    ? new long[0]
                    : Arrays.stream(parts[2].split(","))
                            .mapToLong(Long::parseLong)
                            .sorted()
                            .toArray();
            return new Snapshot(text, Long.parseLong(parts[0]), Long.parseLong(parts[1]), running);
        }

        /** Whether the transaction {@code xid} had ended when the snapshot was taken. */
        boolean sees(long xid) {
            return xid < xmin || (xid < xmax && Arrays.binarySearch(running, xid) < 0);
        }
    }

    /** Where a page ends: the last event sent, in the page order. */
    private record Key(long xid, UUID jobId, int seq) {
        static final Key START = new Key(0, new UUID(0, 0), 0);
    }

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    @Inject
    QueueTopics topics;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private final BackgroundLoop loop = new BackgroundLoop("forkyard-event-relay");
    private KafkaProducer<String, byte[]> producer;

    // The relay thread's own; published is also read by others (tests), and is null unless leading.
    private volatile Snapshot published;
    private Connection lead;
    private String target;
    private Key after = Key.START;
    private boolean unsaved;
    private long savedNanos;

    /**
     * Early, so the events topic usually exists before this process's own reader subscribes to
     * it; when the broker is down the relay makes it before its first round instead.
     */
    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        try {
            topics.ensureEvents();
        } catch (RuntimeException e) {
            LOG.warnf("the events topic could not be made at start, the event relay will retry: %s", e.getMessage());
        }
        producer = RelayProducers.create(kafkaConfig, config.dispatcher().publishTimeout(), "forkyard-event-relay");
        loop.start(this::loop);
    }

    void stop(@Observes ShutdownEvent event) {
        loop.stop(config.dispatcher().publishTimeout().plusSeconds(5));
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Whether this process relays and has published every event of transaction {@code xid}
     * (tests: {@code SELECT xid::text FROM job_event}).
     */
    public boolean hasPublished(long xid) {
        Snapshot p = published;
        return p != null && p.sees(xid);
    }

    private void loop() {
        long idleNanos = config.events().relayInterval().toNanos();
        while (loop.running()) {
            try {
                if (lead == null && !lead()) {
                    BackgroundLoop.sleep(TimeUnit.SECONDS.toNanos(TAKEOVER_SECONDS));
                    continue;
                }
                int sent = publishPage();
                if (unsaved && System.nanoTime() - savedNanos >= SAVE_NANOS) {
                    save();
                }
                if (sent == config.events().batchSize()) {
                    continue; // more may be waiting right now
                }
                BackgroundLoop.sleep(idleNanos);
            } catch (SQLException e) {
                LOG.warnf("event relay lost its database connection, will lead again: %s", rootMessage(e));
                resign();
                BackgroundLoop.sleep(Math.max(idleNanos, TimeUnit.SECONDS.toNanos(1)));
            } catch (RuntimeException e) {
                LOG.warnf("event relay round failed, will retry: %s", rootMessage(e));
                BackgroundLoop.sleep(Math.max(idleNanos, TimeUnit.SECONDS.toNanos(1)));
            }
        }
        if (lead != null) {
            try {
                if (unsaved) {
                    save();
                }
            } catch (SQLException e) {
                LOG.debugf("event relay could not save where it stands at stop: %s", rootMessage(e));
            }
            resign();
        }
    }

    /** Takes the lock if no other process holds it, and starts where the last relay saved. */
    private boolean lead() throws SQLException {
        Connection c = dataSource.getConnection();
        try {
            boolean locked;
            try (PreparedStatement s = c.prepareStatement(LEAD)) {
                s.setLong(1, LOCK);
                try (ResultSet rs = s.executeQuery()) {
                    locked = rs.next() && rs.getBoolean(1);
                }
            }
            if (!locked) {
                c.close();
                return false;
            }
            try (PreparedStatement s = c.prepareStatement(LOAD);
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                published = Snapshot.parse(rs.getString(1));
            }
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        lead = c;
        target = null;
        after = Key.START;
        unsaved = false;
        savedNanos = System.nanoTime();
        LOG.debugf("event relay leads from snapshot %s", published.text());
        return true;
    }

    /** Lets go of the lock (closing its connection ends the session that holds it). */
    private void resign() {
        try {
            if (lead != null) {
                lead.close();
            }
        } catch (SQLException e) {
            LOG.debugf("event relay's connection did not close cleanly: %s", rootMessage(e));
        }
        lead = null;
        published = null;
    }

    private void save() throws SQLException {
        try (PreparedStatement s = lead.prepareStatement(SAVE)) {
            s.setString(1, published.text());
            s.executeUpdate();
        }
        unsaved = false;
        savedNanos = System.nanoTime();
    }

    /**
     * Publishes one page; returns how many events it sent. A page that failed to send changes
     * nothing and is sent again. Throws SQLException when the lead connection failed.
     */
    int publishPage() throws SQLException {
        Snapshot from = published;
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        String pageTarget = null;
        Key last = after;
        try (PreparedStatement s = lead.prepareStatement(PAGE)) {
            s.setString(1, target);
            s.setString(2, Long.toString(Math.max(from.xmin(), after.xid())));
            s.setString(3, Long.toString(after.xid()));
            s.setObject(4, after.jobId());
            s.setInt(5, after.seq());
            s.setString(6, from.text());
            s.setInt(7, config.events().batchSize());
            try (ResultSet rs = s.executeQuery()) {
                String topic = null;
                while (rs.next()) {
                    pageTarget = rs.getString("target");
                    String xid = rs.getString("xid");
                    if (xid == null) {
                        break; // no event: the one row of an empty page
                    }
                    if (topic == null) {
                        topic = topics.ensureEvents();
                    }
                    ProducerRecord<String, byte[]> record = record(topic, rs);
                    records.add(record);
                    last = new Key(Long.parseLong(xid), UUID.fromString(record.key()), rs.getInt("seq"));
                }
            }
        }
        if (!records.isEmpty()) {
            RelayProducers.sendAll(producer, records, config.dispatcher().publishTimeout(), "job events");
        }
        if (records.size() == config.events().batchSize()) {
            target = pageTarget;
            after = last;
        } else {
            published = Snapshot.parse(pageTarget);
            unsaved |= !pageTarget.equals(from.text());
            target = null;
            after = Key.START;
        }
        return records.size();
    }

    private static ProducerRecord<String, byte[]> record(String topic, ResultSet rs) throws SQLException {
        UUID jobId = rs.getObject("job_id", UUID.class);
        JobEvent event = new JobEvent(
                jobId,
                rs.getInt("seq"),
                rs.getString("status"),
                new JobView.Progress(rs.getObject("progress_percent", Integer.class), rs.getString("progress_message")),
                Jdbc.instant(rs.getTimestamp("at")),
                rs.getString("type"),
                rs.getString("queue"),
                rs.getObject("batch_id", UUID.class));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, jobId.toString(), Json.toBytes(event));
        record.headers().add(TENANT_HEADER, rs.getString("tenant").getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
