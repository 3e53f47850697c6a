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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * The event relay: publishes the job events outbox (table {@code job_event}, rows with {@code
 * relay_pending}, written by triggers with each change) to the events topic, key = job id, the
 * tenant in the header {@value #TENANT_HEADER}. A round marks the oldest unpublished events in ONE
 * statement, sends them, and commits only once the broker acknowledged every one; otherwise it
 * rolls back and they wait for the next round. Several web processes share the work ({@code SKIP
 * LOCKED}), so two rounds may publish one job's events in either order: readers order by {@code
 * seq}. At least once: a crash between the acknowledgement and the commit sends a round again.
 *
 * <p>A thread and a producer of its own, apart from the dispatch relay's: a job's dispatch never
 * waits behind a round of events (a producer's flush waits for every record sent through it).
 * Nothing wakes it (a worker's changes happen in another process): it looks every {@code
 * events.relay-interval} while idle, at once again after a full round.
 */
@ApplicationScoped
public class EventRelay {

    private static final Logger LOG = Logger.getLogger(EventRelay.class);

    /** Record header holding the job's tenant, so a reader routes an event without parsing it. */
    public static final String TENANT_HEADER = "forkyard.tenant";

    static final String TAKE = """
            UPDATE job_event e SET relay_pending = false
              FROM (SELECT job_id, seq FROM job_event WHERE relay_pending
                     ORDER BY at LIMIT ? FOR UPDATE SKIP LOCKED) d, job j
             WHERE e.job_id = d.job_id AND e.seq = d.seq AND j.id = e.job_id
            RETURNING e.job_id, e.seq, e.status, e.progress_percent, e.progress_message, e.at, j.tenant, j.type, j.queue,
                      j.batch_id
            """;

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

    private void loop() {
        long idleNanos = config.events().relayInterval().toNanos();
        while (loop.running()) {
            try {
                if (publishRound() == config.events().batchSize()) {
                    continue; // more may be waiting right now
                }
                BackgroundLoop.sleep(idleNanos);
            } catch (SQLException | RuntimeException e) {
                LOG.warnf("event relay round failed, will retry: %s", rootMessage(e));
                BackgroundLoop.sleep(Math.max(idleNanos, TimeUnit.SECONDS.toNanos(1)));
            }
        }
    }

    /** Publishes one round; returns how many events it sent. Throws, changing nothing, if one failed. */
    int publishRound() throws SQLException {
        return Jdbc.inTransaction(dataSource, c -> {
            Jdbc.preferIndexOrder(c); // every published event leaves a dead entry in job_event_relay_due
            List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
            String topic = null;
            try (PreparedStatement s = c.prepareStatement(TAKE)) {
                s.setInt(1, config.events().batchSize());
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        if (topic == null) {
                            topic = topics.ensureEvents();
                        }
                        records.add(record(topic, rs));
                    }
                }
            }
            if (records.isEmpty()) {
                return 0;
            }
            List<Future<RecordMetadata>> sends = new ArrayList<>(records.size());
            records.forEach(r -> sends.add(producer.send(r)));
            producer.flush();
            long deadline =
                    System.nanoTime() + config.dispatcher().publishTimeout().toNanos();
            for (Future<RecordMetadata> send : sends) {
                try {
                    send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted publishing job events", e);
                } catch (ExecutionException | TimeoutException e) {
                    throw new IllegalStateException("the broker did not take every job event; they wait", e);
                }
            }
            return records.size();
        });
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
