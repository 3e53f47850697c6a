package io.forkyard.worker.consume;

import io.forkyard.messaging.TopicAdmin;
import io.forkyard.messaging.Topics;
import io.forkyard.worker.WorkerConfig;
import io.forkyard.worker.WorkerIdentity;
import io.forkyard.worker.pool.ChildPool;
import io.forkyard.worker.run.JobRunner;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Consumes the configured queue topics through the worker share group with one {@link ShareLane}
 * per slot. At start it makes sure the topics exist and the group starts from the earliest
 * offset, retrying until the broker answers. On shutdown it stops taking records, lets running
 * jobs finish within the grace period, then stops the rest, which hands their jobs back to the
 * queue.
 */
@ApplicationScoped
public class QueueConsumer {

    private static final Logger LOG = Logger.getLogger(QueueConsumer.class);
    private static final java.time.Duration HAND_BACK_TIMEOUT = java.time.Duration.ofSeconds(15);

    @Inject
    WorkerConfig config;

    @Inject
    WorkerIdentity identity;

    @Inject
    JobRunner runner;

    @Inject
    ChildPool pool;

    @Inject
    DeadLetters deadLetters;

    @Inject
    MeterRegistry registry;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private final List<ShareLane> lanes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean started;
    private volatile boolean stopping;
    private Thread starter;

    void start(@Observes StartupEvent event) {
        starter = new Thread(this::prepareAndStart, "queue-consumer-start");
        starter.setDaemon(true);
        starter.start();
    }

    /** Whether the lanes are consuming. */
    public boolean isConsuming() {
        return started && !stopping;
    }

    private void prepareAndStart() {
        long pause = 500;
        while (!stopping) {
            try {
                prepareBroker();
                break;
            } catch (RuntimeException e) {
                LOG.warnf("Kafka not ready for the worker yet (%s); retrying in %d ms", e.getMessage(), pause);
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    return;
                }
                pause = Math.min(pause * 2, 10_000);
            }
        }
        synchronized (this) {
            if (stopping) {
                return;
            }
            int count = config.consumers() > 0 ? config.consumers() : pool.size();
            List<String> topics = config.queues().stream()
                    .map(q -> Topics.queue(config.topicPrefix(), q))
                    .toList();
            for (int i = 0; i < count; i++) {
                String name = "lane-" + i;
                KafkaShareConsumer<String, byte[]> consumer = newConsumer(name);
                consumer.subscribe(topics);
                ShareLane lane = new ShareLane(
                        consumer,
                        runner,
                        deadLetters,
                        config.recordRenewInterval(),
                        () -> pool.idle() > 0,
                        registry,
                        name);
                Thread t = new Thread(lane, name);
                lanes.add(lane);
                threads.add(t);
                t.start();
            }
            started = true;
            LOG.infof(
                    "worker %s consuming %s with %d lane(s) and %d child(ren)",
                    identity.id(), topics, count, pool.size());
        }
    }

    private void prepareBroker() {
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "forkyard-worker-admin");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(props)) {
            TopicAdmin topics = new TopicAdmin(admin, Topics.DEFAULT_QUEUE_PARTITIONS);
            config.queues().forEach(q -> topics.ensure(Topics.queue(config.topicPrefix(), q)));
            topics.ensure(Topics.deadLetters(config.topicPrefix()));
            topics.startShareGroupAtEarliest(Topics.workerShareGroup(config.topicPrefix()));
        }
    }

    private KafkaShareConsumer<String, byte[]> newConsumer(String lane) {
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, Topics.workerShareGroup(config.topicPrefix()));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, identity.id() + "-" + lane);
        props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        return new KafkaShareConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    void stop(@Observes ShutdownEvent event) {
        synchronized (this) {
            stopping = true;
            lanes.forEach(ShareLane::stopPolling);
            runner.stopClaiming();
        }
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (runner.runningCount() > 0 && System.nanoTime() < deadline) {
            sleep(50);
        }
        if (runner.runningCount() > 0) {
            LOG.infof("grace period over: handing %d running job(s) back to the queue", runner.runningCount());
            runner.stopAll(JobRunner.SHUTDOWN);
            // Stopped jobs end through the usual path (child killed, job released); wait for that,
            // also for I/O jobs, which run on threads of their own rather than on the lanes.
            long handBack = System.nanoTime() + HAND_BACK_TIMEOUT.toNanos();
            while (runner.runningCount() > 0 && System.nanoTime() < handBack) {
                sleep(20);
            }
        }
        for (Thread t : threads) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
