package io.forkyard.web.event;

import io.forkyard.messaging.Json;
import jakarta.ws.rs.sse.Sse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * A job's stream ({@code GET /api/jobs/{id}/events}): every event after the client's {@code
 * Last-Event-ID}, each once, in {@code seq} order, ending after a final status.
 *
 * <p>PostgreSQL is the truth, Kafka only the fast path. The stream sends an event from Kafka only
 * when it is the next one ({@code seq = last sent + 1}) and drops one it already sent. An event
 * beyond the next shows a gap (an event late, reordered by two relays, or lost): the events that
 * PostgreSQL holds after the last one sent are read and sent instead, and since an event reaches
 * Kafka only after its transaction committed, and a job's changes commit in seq order, PostgreSQL
 * then has every event up to it. A lost event with nothing after it shows no gap: a stream that
 * heard nothing for {@code events.resync-interval} reads PostgreSQL too. While a read runs, events
 * from Kafka wait in {@link #waiting} and are sent after it when they follow on.
 */
final class JobEventStream extends EventStream {

    private static final Logger LOG = Logger.getLogger(JobEventStream.class);

    private final UUID jobId;
    private final String tenant;
    private final JobEventHistory history;
    private final Executor reads;
    private final long resyncNanos;

    // guarded by this
    private int lastSent;
    private boolean reading;
    private long lastHeardNanos = System.nanoTime();
    private final TreeMap<Integer, Delivery> waiting = new TreeMap<>();

    JobEventStream(
            Sse sse,
            UUID jobId,
            String tenant,
            int lastEventId,
            JobEventHistory history,
            Executor reads,
            long resyncNanos) {
        super(sse);
        this.jobId = jobId;
        this.tenant = tenant;
        this.lastSent = lastEventId;
        this.history = history;
        this.reads = reads;
        this.resyncNanos = resyncNanos;
    }

    UUID jobId() {
        return jobId;
    }

    @Override
    String tenant() {
        return tenant;
    }

    /** The first read: the history after the client's last event. */
    synchronized void start() {
        read();
    }

    @Override
    synchronized void offer(Delivery delivery) {
        if (ended()) {
            return;
        }
        lastHeardNanos = System.nanoTime();
        int seq = delivery.event().seq();
        if (seq <= lastSent) {
            return; // sent already: a duplicate, or a late one a read covered
        }
        if (reading) {
            waiting.put(seq, delivery);
        } else if (seq == lastSent + 1) {
            emit(delivery);
            drainWaiting();
        } else {
            waiting.put(seq, delivery);
            read();
        }
    }

    @Override
    synchronized void tick(long nowNanos, long keepAliveNanos) {
        super.tick(nowNanos, keepAliveNanos);
        if (!ended() && !reading && nowNanos - lastHeardNanos >= resyncNanos) {
            lastHeardNanos = nowNanos;
            read();
        }
    }

    /** Reads PostgreSQL after the last event sent, on the read executor; one read at a time. */
    private void read() {
        reading = true;
        int after = lastSent;
        reads.execute(() -> readAfter(after));
    }

    private void readAfter(int after) {
        Optional<JobEventHistory.Page> page;
        try {
            page = history.after(jobId, tenant, after);
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("Job(id=%s) events could not be read, will retry: %s", jobId, e.toString());
            synchronized (this) {
                reading = false; // the next tick tries again
            }
            return;
        }
        synchronized (this) {
            reading = false;
            if (ended()) {
                return;
            }
            if (page.isEmpty()) {
                end(); // the job is gone (pruned)
                return;
            }
            for (JobEvent event : page.get().events()) {
                if (event.seq() == lastSent + 1) {
                    emit(new Delivery(event, new String(Json.toBytes(event), StandardCharsets.UTF_8)));
                }
                if (ended()) {
                    return;
                }
            }
            if (page.get().events().size() == JobEventHistory.PAGE) {
                read();
                return;
            }
            drainWaiting();
            if (ended()) {
                return;
            }
            if (page.get().endsAt(lastSent)) {
                end();
            } else if (!waiting.isEmpty()) {
                read(); // what came meanwhile still leaves a gap
            }
        }
    }

    /** Sends what waited and now follows on; drops what was sent already. */
    private void drainWaiting() {
        while (!waiting.isEmpty() && !ended()) {
            int first = waiting.firstKey();
            if (first <= lastSent) {
                waiting.pollFirstEntry();
            } else if (first == lastSent + 1) {
                emit(waiting.pollFirstEntry().getValue());
            } else {
                return;
            }
        }
    }

    private void emit(Delivery delivery) {
        send(Integer.toString(delivery.event().seq()), delivery.json());
        lastSent = delivery.event().seq();
        if (delivery.event().isFinal()) {
            waiting.clear();
            end();
        }
    }
}
