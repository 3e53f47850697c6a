package io.forkyard.web.dispatch;

import io.forkyard.job.JobRepository;
import io.forkyard.job.JobRepository.DueJob;
import io.forkyard.messaging.DeadLetter;
import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Json;
import io.forkyard.web.WebConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
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
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The outbox relay (DESIGN.md "Data flow" 2). One thread per web process publishes every committed
 * job that is due — new, delayed, retried or rescued — to its queue topic, then marks it
 * dispatched in the same transaction that locked it.
 *
 * <p>Fast path: a submit wakes the thread right after its commit. Safety net: the thread also
 * sweeps every {@code sweep-interval}, so a job committed just before a crash, or while Kafka was
 * down, is published as soon as a web process and the broker are up. A job is marked dispatched
 * only after the broker acknowledged it ({@code acks=all}); a crash between the two publishes it
 * twice, which the worker's conditional claim makes harmless. Several web processes share the work
 * through {@code FOR UPDATE SKIP LOCKED}.
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    @Inject
    JobRepository jobs;

    @Inject
    WebConfig config;

    @Inject
    QueueTopics topics;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private final AtomicBoolean woken = new AtomicBoolean();
    private volatile boolean running;
    private volatile Thread thread;
    private KafkaProducer<String, byte[]> producer;

    void start(@Observes StartupEvent event) {
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int)
                config.dispatcher().publishTimeout().toMillis());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "forkyard-dispatcher");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        running = true;
        Thread t = new Thread(this::loop, "forkyard-dispatcher");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(config.dispatcher().publishTimeout().toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Publish what is due now rather than at the next sweep; called after a commit. */
    public void wakeUp() {
        woken.set(true);
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void loop() {
        long nextSweep = 0;
        long sweepNanos = config.dispatcher().sweepInterval().toNanos();
        while (running) {
            try {
                if (System.nanoTime() - nextSweep >= 0) {
                    rescue();
                    int again = jobs.redispatchStale(
                            config.dispatcher().redispatchAfter(),
                            config.dispatcher().rescueBatchSize());
                    if (again > 0) {
                        LOG.warnf(
                                "%d queued job(s) published long ago were never claimed; publishing them again", again);
                    }
                    nextSweep = System.nanoTime() + sweepNanos;
                }
                if (publishRound() == config.dispatcher().batchSize()) {
                    continue; // more may be due right now
                }
            } catch (RuntimeException e) {
                LOG.warnf("dispatch round failed, will retry: %s", rootMessage(e));
                LockSupport.parkNanos(Math.min(sweepNanos, TimeUnit.SECONDS.toNanos(1)));
            }
            if (!woken.getAndSet(false)) {
                LockSupport.parkNanos(Math.max(0, nextSweep - System.nanoTime()));
            }
        }
    }

    /**
     * Ends the leases that expired (their worker died or hung): such jobs go back to the queue, or
     * fail for good when no attempt is left, and then also go to the dead-letter topic.
     */
    private void rescue() {
        List<JobRepository.Rescued> rescued =
                jobs.rescueExpiredLeases(config.dispatcher().rescueBatchSize());
        if (rescued.isEmpty()) {
            return;
        }
        LOG.infof("%d job(s) whose lease expired: re-queued or failed", rescued.size());
        for (JobRepository.Rescued job : rescued) {
            if (job.status() == io.forkyard.job.JobStatus.FAILED) {
                ProducerRecord<String, byte[]> record = DeadLetter.jobFailed(
                        config.topicPrefix(),
                        job.id(),
                        job.type(),
                        "LEASE_EXPIRED",
                        "the worker running its last attempt stopped renewing its lease");
                producer.send(record, (meta, error) -> {
                    if (error != null) {
                        LOG.warnf("Job(id=%s) could not be written to the dead-letter topic: %s", job.id(), error);
                    }
                });
            }
        }
    }

    /** Publishes one batch of due jobs; returns how many it locked. */
    int publishRound() {
        int timeoutSeconds = (int) config.dispatcher().publishTimeout().toSeconds() + 30;
        return QuarkusTransaction.requiringNew().timeout(timeoutSeconds).call(() -> {
            List<DueJob> due = jobs.lockDueForDispatch(config.dispatcher().batchSize());
            if (due.isEmpty()) {
                return 0;
            }
            List<UUID> published = publish(due);
            jobs.markDispatched(published);
            if (published.size() < due.size()) {
                LOG.warnf("published %d of %d due job(s); the rest stay pending", published.size(), due.size());
            }
            return due.size();
        });
    }

    private List<UUID> publish(List<DueJob> due) {
        Instant now = Instant.now();
        List<Future<RecordMetadata>> sends = new ArrayList<>(due.size());
        for (DueJob job : due) {
            String topic = topics.ensure(job.queue());
            byte[] value = Json.toBytes(new JobDispatch(job.id(), job.type(), now));
            sends.add(producer.send(new ProducerRecord<>(topic, job.id().toString(), value)));
        }
        producer.flush();
        List<UUID> acked = new ArrayList<>(due.size());
        long deadline = System.nanoTime() + config.dispatcher().publishTimeout().toNanos();
        for (int i = 0; i < sends.size(); i++) {
            try {
                sends.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                acked.add(due.get(i).id());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                LOG.debugf("Job(id=%s) not published yet: %s", due.get(i).id(), rootMessage(e));
            }
        }
        return acked;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
