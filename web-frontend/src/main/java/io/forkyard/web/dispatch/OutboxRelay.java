package io.forkyard.web.dispatch;

import io.forkyard.db.Jdbc;
import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Json;
import io.forkyard.messaging.Topics;
import io.forkyard.trace.TraceParent;
import io.forkyard.web.BackgroundLoop;
import io.forkyard.web.WebConfig;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * The outbox relay (README "How it works", Dispatch). One thread per web process publishes every committed
 * job that is due (new, delayed, retried, handed back or rescued) to its queue topic.
 *
 * <p>The outbox is a table of its own ({@code job_outbox}, DESIGN.md "Data flow" 2): a trigger
 * writes a row whenever a job becomes QUEUED. A round is ONE statement that deletes due rows and
 * returns them ({@code FOR UPDATE SKIP LOCKED}, so several web processes share the work), then the
 * records go out as a few producer batches ({@code acks=all}, idempotent producer), jobs of one queue
 * and type a few to a record ({@link #envelopes}), and the
 * transaction commits only once the broker acknowledged them; a job the broker did not take is put
 * back before the commit. A crash before the commit rolls the delete back, and the next round of
 * any relay publishes those jobs. A crash between the acknowledgement and the commit publishes a
 * job twice, which the workers' conditional claim makes harmless; no job is published before its
 * row is committed, since the relay only sees committed rows. The relay never locks or writes a
 * job row on this path, so a worker that receives a record claims it at once.
 *
 * <p>Paused and limited queues (README "Queues") are left out of that round. A paused queue's jobs
 * are not published at all; a limited queue's are published in a round of their own, as many as it
 * has free slots, after every wake-up (a worker that ends such a job notifies the relay).
 *
 * <p>Each sweep also publishes the dead-letter outbox ({@link DeadLetterRelay}) with the same
 * producer.
 *
 * <p>Fast path: a submit wakes the thread right after its commit. Safety net: it also sweeps every
 * {@code sweep-interval}, so a job committed just before a crash, or while Kafka was down, is
 * published as soon as a web process and the broker are up; and a QUEUED job whose record never led
 * to a claim is published again after {@code redispatch-after}.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    /** Due jobs of every queue that is neither paused nor limited. */
    static final String TAKE_DUE = """
            DELETE FROM job_outbox
             WHERE job_id IN (SELECT job_id FROM job_outbox
                               WHERE run_at <= now()
                                 AND queue NOT IN (SELECT name FROM queue WHERE paused OR concurrency_limit IS NOT NULL)
                               ORDER BY run_at LIMIT ? FOR UPDATE SKIP LOCKED)
            RETURNING job_id, type, queue, trace_parent, priority, run_at
            """;

    /**
     * Due jobs of one limited queue, as many as it has free slots: its limit less its RUNNING jobs
     * and its QUEUED jobs published but not claimed yet (those with no outbox row). None while it is
     * paused (or no longer limited: the plain round takes it then). The workers' claim enforces the
     * limit; this only keeps records of jobs that could not start off the topic.
     */
    static final String TAKE_DUE_LIMITED = """
            DELETE FROM job_outbox
             WHERE job_id IN (SELECT job_id FROM job_outbox
                               WHERE run_at <= now() AND queue = ?
                               ORDER BY run_at
                               LIMIT coalesce((SELECT greatest(0, q.concurrency_limit
                                                   - (SELECT count(*) FROM job r
                                                       WHERE r.queue = q.name
                                                         AND (r.status = 'RUNNING'
                                                              OR (r.status = 'QUEUED' AND NOT EXISTS
                                                                  (SELECT 1 FROM job_outbox o WHERE o.job_id = r.id)))))
                                             FROM queue q
                                            WHERE q.name = ? AND NOT q.paused AND q.concurrency_limit IS NOT NULL), 0)
                               FOR UPDATE SKIP LOCKED)
            RETURNING job_id, type, queue, trace_parent, priority, run_at
            """;

    static final String LIMITED_QUEUES = "SELECT name FROM queue WHERE concurrency_limit IS NOT NULL AND NOT paused";

    /** Jobs the broker did not take go back in the outbox (in the same transaction as their delete). */
    static final String PUT_BACK = "SELECT job_outbox_put(?)";

    /**
     * Jobs published more than half of {@code redispatch-after} after their run_at (a paused queue
     * resumed, a backlog a crash or a broker outage left): the safety net counts from this publish,
     * not from run_at. Jobs published on time are never written here.
     */
    static final String MARK_LATE = "UPDATE job SET dispatched_at = now() WHERE id = ANY(?) AND status = 'QUEUED'";

    /**
     * QUEUED jobs with no outbox row, so published, whose last publish (or run_at) is long ago: their
     * record never led to a claim. Marked, and put back in the outbox.
     */
    static final String REDISPATCH_STALE = """
            WITH stale AS (
                UPDATE job SET dispatched_at = now()
                 WHERE id IN (SELECT id FROM job j
                               WHERE status = 'QUEUED' AND greatest(dispatched_at, run_at) < now() - ? * interval '1 millisecond'
                                 AND NOT EXISTS (SELECT 1 FROM job_outbox o WHERE o.job_id = j.id)
                               LIMIT ? FOR UPDATE SKIP LOCKED)
                RETURNING id)
            SELECT job_outbox_put(array_agg(id)) FROM stale
            """;

    /** A job the relay is about to publish, and the trace its submit began (null: untraced). */
    record DueJob(UUID id, String type, String queue, String traceParent, int priority, Instant runAt) {}

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    @Inject
    QueueTopics topics;

    @Inject
    Tracer tracer;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private final AtomicBoolean woken = new AtomicBoolean();
    private final AtomicBoolean queuesChanged = new AtomicBoolean(true);
    private final AtomicLong rounds = new AtomicLong();
    /** The limited queues, read at every sweep and when this web tier changes a queue. */
    private volatile List<String> limited = List.of();

    private final BackgroundLoop loop = new BackgroundLoop("forkyard-outbox-relay");
    private int envelopeSize;
    private KafkaProducer<String, byte[]> producer;
    private DeadLetterRelay deadLetters;

    void start(@Observes StartupEvent event) {
        envelopeSize = config.dispatcher().envelopeSize();
        if (envelopeSize < 1 || envelopeSize > JobDispatch.MAX_JOBS) {
            throw new IllegalArgumentException("forkyard.dispatcher.envelope-size must be from 1 to "
                    + JobDispatch.MAX_JOBS + ", not " + envelopeSize);
        }
        producer = RelayProducers.create(kafkaConfig, config.dispatcher().publishTimeout(), "forkyard-outbox-relay");
        deadLetters = new DeadLetterRelay(
                dataSource,
                producer,
                topics,
                config.topicPrefix(),
                config.dispatcher().batchSize(),
                config.dispatcher().publishTimeout());
        loop.start(this::loop);
    }

    void stop(@Observes ShutdownEvent event) {
        loop.stop(config.dispatcher().publishTimeout().plusSeconds(5));
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Publish what is due now rather than at the next sweep; called after a commit. */
    public void wakeUp() {
        woken.set(true);
        loop.wakeUp();
    }

    /**
     * A queue was declared, paused, resumed or limited here: read the limited queues again and
     * publish what is due now. Other web replicas notice at their next sweep.
     */
    public void queuesChanged() {
        queuesChanged.set(true);
        wakeUp();
    }

    private void loop() {
        long nextSweep = 0;
        long nextStaleCheck = 0;
        long sweepNanos = config.dispatcher().sweepInterval().toNanos();
        // The stale check scans QUEUED jobs without an index (one would cost every job a write):
        // a quarter of its horizon between checks is often enough for a safety net.
        long staleCheckNanos = config.dispatcher().redispatchAfter().toNanos() / 4;
        while (loop.running()) {
            // A wake-up from here on makes the loop go round again; one before was for this round.
            // (Cleared only after the round, every wake-up cost a second round that found nothing.)
            woken.set(false);
            try {
                long now = System.nanoTime();
                if (now - nextStaleCheck >= 0) {
                    redispatchStale();
                    nextStaleCheck = now + staleCheckNanos;
                }
                if (now - nextSweep >= 0) {
                    nextSweep = now + sweepNanos;
                    queuesChanged.set(true);
                    publishDeadLetters();
                }
                if (queuesChanged.getAndSet(false)) {
                    limited = limitedQueues();
                }
                for (String queue : limited) {
                    publishLimitedRound(queue);
                }
                if (publishRound() == config.dispatcher().batchSize()) {
                    continue; // more may be due right now
                }
            } catch (SQLException | RuntimeException e) {
                LOG.warnf("dispatch round failed, will retry: %s", rootMessage(e));
                BackgroundLoop.sleep(Math.min(sweepNanos, TimeUnit.SECONDS.toNanos(1)));
            }
            if (!woken.get()) {
                BackgroundLoop.sleep(Math.max(0, nextSweep - System.nanoTime()));
            }
        }
    }

    /** One round of the dead-letter outbox; a failure leaves the letters for the next sweep. */
    private void publishDeadLetters() {
        try {
            deadLetters.publishRound();
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("publishing dead letters failed, will retry at the next sweep: %s", rootMessage(e));
        }
    }

    /** Publishes one round of due jobs; returns how many it locked. */
    int publishRound() throws SQLException {
        rounds.incrementAndGet();
        return publishRound(c -> {
            Jdbc.preferIndexOrder(c); // every dispatched job leaves a dead entry in job_outbox_due
            try (PreparedStatement s = c.prepareStatement(TAKE_DUE)) {
                s.setInt(1, config.dispatcher().batchSize());
                return due(s);
            }
        });
    }

    /** The rounds of due jobs of every queue neither paused nor limited so far (tests). */
    long rounds() {
        return rounds.get();
    }

    /** Publishes the due jobs of one limited queue that fit in its free slots. */
    int publishLimitedRound(String queue) throws SQLException {
        return publishRound(c -> {
            try (PreparedStatement s = c.prepareStatement(TAKE_DUE_LIMITED)) {
                s.setString(1, queue);
                s.setString(2, queue);
                return due(s);
            }
        });
    }

    private List<String> limitedQueues() throws SQLException {
        return Jdbc.autoCommit(dataSource, c -> {
            List<String> names = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(LIMITED_QUEUES);
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return names;
        });
    }

    /**
     * Takes due jobs out of the outbox, publishes them, puts back what the broker did not take and
     * commits; the job rows are neither locked nor written. Then marks the jobs published long after
     * their run_at (see {@link #MARK_LATE}).
     */
    private int publishRound(Jdbc.Work<List<DueJob>> take) throws SQLException {
        List<UUID> late = new ArrayList<>();
        int taken = Jdbc.inTransaction(dataSource, c -> {
            List<DueJob> due = take.apply(c);
            if (due.isEmpty()) {
                return 0;
            }
            List<UUID> unpublished = publish(due);
            if (!unpublished.isEmpty()) {
                LOG.warnf(
                        "published %d of %d due job(s); the rest stay pending",
                        due.size() - unpublished.size(), due.size());
                try (PreparedStatement s = c.prepareStatement(PUT_BACK)) {
                    s.setArray(1, c.createArrayOf("uuid", unpublished.toArray()));
                    s.execute();
                }
            }
            Instant lateBefore =
                    Instant.now().minus(config.dispatcher().redispatchAfter().dividedBy(2));
            for (DueJob job : due) {
                if (job.runAt().isBefore(lateBefore) && !unpublished.contains(job.id())) {
                    late.add(job.id());
                }
            }
            return due.size();
        });
        if (!late.isEmpty()) {
            Jdbc.autoCommit(dataSource, c -> {
                try (PreparedStatement s = c.prepareStatement(MARK_LATE)) {
                    s.setArray(1, c.createArrayOf("uuid", late.toArray()));
                    return s.executeUpdate();
                }
            });
        }
        return taken;
    }

    private static List<DueJob> due(PreparedStatement take) throws SQLException {
        List<DueJob> due = new ArrayList<>();
        try (ResultSet rs = take.executeQuery()) {
            while (rs.next()) {
                due.add(new DueJob(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getInt(5),
                        rs.getTimestamp(6).toInstant()));
            }
        }
        return due;
    }

    /** Due jobs bound for one record of {@code topic}: a job alone, or an envelope. */
    record Envelope(String topic, List<DueJob> jobs) {

        /** Its job ids, for the log (formatted only when a debug line is written). */
        @Override
        public String toString() {
            return jobs.stream().map(DueJob::id).toList().toString();
        }
    }

    /**
     * Packs a round into records: due jobs of one topic and type share a record, up to {@code
     * envelope-size} of them, in the order the round took them (DESIGN.md "Data flow" 2). An urgent
     * job travels alone: its topic is there for latency, and its fetcher takes a few records at a
     * time whatever the worker holds.
     */
    List<Envelope> envelopes(List<DueJob> due) {
        List<Envelope> envelopes = new ArrayList<>();
        Map<String, Envelope> open = new HashMap<>();
        for (DueJob job : due) {
            String topic = topics.ensure(job.queue(), job.priority());
            int size = job.priority() >= Topics.URGENT_PRIORITY ? 1 : envelopeSize;
            String key = topic + ' ' + job.type();
            Envelope envelope = open.get(key);
            if (envelope == null || envelope.jobs().size() >= size) {
                envelope = new Envelope(topic, new ArrayList<>(size));
                envelopes.add(envelope);
                open.put(key, envelope);
            }
            envelope.jobs().add(job);
        }
        return envelopes;
    }

    /** Sends the round and waits for the broker; returns the ids it did not acknowledge. */
    private List<UUID> publish(List<DueJob> due) {
        Instant now = Instant.now();
        List<Envelope> envelopes = envelopes(due);
        List<Future<RecordMetadata>> sends = new ArrayList<>(envelopes.size());
        List<List<Span>> spans = new ArrayList<>(envelopes.size());
        for (Envelope envelope : envelopes) {
            List<DueJob> jobs = envelope.jobs();
            List<Span> own =
                    jobs.stream().map(j -> publishSpan(j, envelope.topic())).toList();
            spans.add(own);
            List<JobDispatch.Enveloped> more = new ArrayList<>(jobs.size() - 1);
            for (int i = 1; i < jobs.size(); i++) {
                more.add(new JobDispatch.Enveloped(
                        jobs.get(i).id(), TraceParent.of(Context.root().with(own.get(i)))));
            }
            DueJob first = jobs.get(0);
            byte[] value = Json.toBytes(new JobDispatch(first.id(), first.type(), now, more));
            ProducerRecord<String, byte[]> record =
                    new ProducerRecord<>(envelope.topic(), first.id().toString(), value);
            TraceParent.inject(Context.root().with(own.get(0)), record.headers());
            sends.add(producer.send(record));
        }
        producer.flush();
        List<UUID> unacknowledged = new ArrayList<>();
        long deadline = System.nanoTime() + config.dispatcher().publishTimeout().toNanos();
        for (int i = 0; i < sends.size(); i++) {
            Envelope envelope = envelopes.get(i);
            String failure = null;
            try {
                RecordMetadata sent = sends.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                LOG.debugf(
                        "Job(s) %s taken from the outbox and published to %s-%d@%d",
                        envelope, sent.topic(), sent.partition(), sent.offset());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = "interrupted";
            } catch (Exception e) {
                LOG.debugf("Job(s) %s not published yet, put back in the outbox: %s", envelope, rootMessage(e));
                failure = "not acknowledged: " + rootMessage(e);
            }
            for (int j = 0; j < envelope.jobs().size(); j++) {
                Span span = spans.get(i).get(j);
                if (failure != null) {
                    unacknowledged.add(envelope.jobs().get(j).id());
                    span.setStatus(StatusCode.ERROR, failure);
                }
                span.end();
            }
        }
        return unacknowledged;
    }

    /**
     * The span of one publish of a traced job (README "Tracing"), a child of its submit request's
     * span; its context goes out in the record's {@code traceparent} header. Untraced: no span.
     */
    private Span publishSpan(DueJob job, String topic) {
        Context submit = TraceParent.parse(job.traceParent());
        if (!TraceParent.traced(submit)) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder("publish " + topic)
                .setParent(submit)
                .setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.operation.type", "send")
                .setAttribute("forkyard.job.id", job.id().toString())
                .setAttribute("forkyard.job.type", job.type())
                .setAttribute("forkyard.queue", job.queue())
                .startSpan();
    }

    /**
     * Safety net for a record that was published but never led to a claim (archived by the broker
     * after too many deliveries, or lost with a broker's data): such QUEUED jobs are published again.
     * A duplicate record is harmless.
     */
    private void redispatchStale() throws SQLException {
        int again = Jdbc.autoCommit(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(REDISPATCH_STALE)) {
                s.setLong(1, config.dispatcher().redispatchAfter().toMillis());
                s.setInt(2, config.dispatcher().rescueBatchSize());
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
        if (again > 0) {
            LOG.warnf("%d queued job(s) published long ago were never claimed; publishing them again", again);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
