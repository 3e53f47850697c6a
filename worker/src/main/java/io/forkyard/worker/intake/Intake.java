package io.forkyard.worker.intake;

import io.forkyard.db.Jdbc;
import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Json;
import io.forkyard.messaging.Topics;
import io.forkyard.retry.RetryPause;
import io.forkyard.worker.WorkerConfig;
import io.forkyard.worker.WorkerIdentity;
import io.forkyard.worker.complete.DeadLetters;
import io.forkyard.worker.lease.LeaseKeeper;
import io.forkyard.worker.run.ClaimedJob;
import io.forkyard.worker.run.HeldJob;
import io.forkyard.worker.run.HeldJobs;
import io.forkyard.worker.run.JobRunners;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * The worker's intake (DESIGN.md "Data flow" 3 and 4): one share-group consumer that fetches
 * records in batches of half the prefetch (acquire mode {@code record_limit}) whenever the worker
 * wants more work ({@link JobRunners#wantsMore}), claims the whole batch with ONE statement, puts the claimed jobs in their
 * runners' buffers, and only then acknowledges the records: from then on each job's lease protects
 * it, not the broker's lock.
 *
 * <p>Per record: one that is not a job dispatch is rejected (and dead-lettered); one whose type's
 * pool has no live child is released, so another worker (or this one, later) takes it; one whose
 * job is not claimable is a redelivery and is accepted. While the database is unreachable the
 * intake claims nothing and fetches nothing new: it renews the locks of the records it holds, so
 * the broker neither redelivers them nor counts deliveries, and claims them when it is back.
 */
@ApplicationScoped
public class Intake {

    private static final Logger LOG = Logger.getLogger(Intake.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration CAPACITY_CHECK = Duration.ofMillis(200);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    /** After a fetch of nothing but records this worker can't run: don't fetch them straight back. */
    private static final Duration NOTHING_RUNNABLE_PAUSE = Duration.ofSeconds(1);

    @Inject
    WorkerConfig config;

    @Inject
    WorkerIdentity identity;

    @Inject
    DataSource dataSource;

    @Inject
    HeldJobs held;

    @Inject
    JobRunners runners;

    @Inject
    LeaseKeeper leaseKeeper;

    @Inject
    DeadLetters deadLetters;

    @Inject
    MeterRegistry registry;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private ClaimStatement claims;
    private Counter skipped;
    private Counter released;
    private DistributionSummary claimBatches;
    private volatile KafkaShareConsumer<String, byte[]> consumer;
    private volatile Thread thread;
    private volatile boolean running;

    @PostConstruct
    void init() {
        claims = new ClaimStatement(identity.id(), config.lease());
        skipped = Counter.builder("forkyard.worker.records.skipped")
                .description("Records whose job was not claimable: finished, cancelled, not due or running elsewhere")
                .register(registry);
        released = Counter.builder("forkyard.worker.records.released")
                .description("Records handed back to the broker unclaimed: no live child for their job type")
                .register(registry);
        claimBatches = DistributionSummary.builder("forkyard.worker.claim.batch")
                .description("Jobs claimed per claim statement")
                .register(registry);
    }

    /** Starts consuming the configured queues; the topics and the share group must exist. */
    public void start() {
        List<String> topics = config.queues().stream()
                .map(q -> Topics.queue(config.topicPrefix(), q))
                .toList();
        KafkaShareConsumer<String, byte[]> c = newConsumer();
        c.subscribe(topics);
        consumer = c;
        running = true;
        Thread t = new Thread(this::loop, "intake");
        t.setDaemon(true);
        thread = t;
        t.start();
        LOG.infof(
                "worker %s consuming %s, fetching up to %d record(s) at a time, prefetch %d",
                identity.id(), topics, runners.fetchSize(), config.prefetch());
    }

    public boolean isConsuming() {
        return running;
    }

    /** Stops fetching; records not yet claimed go back to the broker. */
    public void stop() {
        running = false;
        KafkaShareConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(COMMIT_TIMEOUT.toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        RetryPause brokerDown = new RetryPause(Duration.ofMillis(500), Duration.ofSeconds(5));
        long slotsSeen = runners.slotsFreed();
        try {
            while (running) {
                if (!runners.wantsMore(leaseKeeper.peersIdle())) {
                    slotsSeen = runners.awaitSlotFreed(slotsSeen, CAPACITY_CHECK.toMillis());
                    continue;
                }
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(POLL);
                    brokerDown.reset();
                } catch (WakeupException stopping) {
                    continue;
                } catch (RuntimeException e) {
                    LOG.warnf("share consumer poll failed, retrying: %s", e.toString());
                    brokerDown.pause();
                    continue;
                }
                if (!records.isEmpty() && !take(records)) {
                    slotsSeen = runners.awaitSlotFreed(slotsSeen, NOTHING_RUNNABLE_PAUSE.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                consumer.close(COMMIT_TIMEOUT); // sends the last acknowledgements, releases the rest
            } catch (RuntimeException e) {
                LOG.debugf("closing the share consumer: %s", e.toString());
            }
        }
    }

    /**
     * Claims and buffers what a fetch brought; false when it brought nothing this worker could run
     * (records of a type without a live child here, or unreadable ones).
     */
    private boolean take(ConsumerRecords<String, byte[]> fetched) {
        ConsumerRecords<String, byte[]> records = fetched;
        RetryPause databaseDown = new RetryPause(Duration.ofMillis(200), Duration.ofSeconds(5));
        while (running) {
            Map<UUID, ConsumerRecord<String, byte[]>> runnable = triage(records);
            if (runnable.isEmpty()) {
                consumer.commitAsync();
                return false;
            }
            try {
                List<ClaimedJob> claimed = Jdbc.autoCommit(dataSource, c -> claims.execute(c, runnable.keySet()));
                for (ClaimedJob claim : claimed) {
                    HeldJob job = new HeldJob(claim, runners.runnerFor(claim.type()));
                    held.add(job);
                    runners.offer(job);
                }
                runnable.values().forEach(r -> consumer.acknowledge(r, AcknowledgeType.ACCEPT));
                consumer.commitAsync();
                claimBatches.record(claimed.size());
                skipped.increment(runnable.size() - claimed.size());
                return true;
            } catch (SQLException | RuntimeException e) {
                if (!Jdbc.worthRetrying(e)) {
                    // A claim the database refuses for good: let the broker deliver these again later.
                    LOG.errorf(e, "claiming %d job(s) failed; releasing their records", runnable.size());
                    runnable.values().forEach(r -> consumer.acknowledge(r, AcknowledgeType.RELEASE));
                    consumer.commitAsync();
                    return false;
                }
                LOG.warnf(
                        "the database is unreachable; keeping %d record(s) and retrying the claim in %d ms: %s",
                        runnable.size(), databaseDown.nextMillis(), e.toString());
                records = renew(runnable.values());
                if (!databaseDown.pause()) {
                    return true;
                }
            }
        }
        return true;
    }

    /**
     * The records to claim, by job id. Acknowledges the rest at once: unreadable ones are rejected
     * and dead-lettered, those whose type has no live child here are released.
     */
    private Map<UUID, ConsumerRecord<String, byte[]>> triage(ConsumerRecords<String, byte[]> records) {
        Map<UUID, ConsumerRecord<String, byte[]>> runnable = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            JobDispatch dispatch = read(record);
            if (dispatch == null) {
                consumer.acknowledge(record, AcknowledgeType.REJECT);
            } else if (!runners.canRun(dispatch.type())) {
                released.increment();
                consumer.acknowledge(record, AcknowledgeType.RELEASE);
            } else if (runnable.putIfAbsent(dispatch.jobId(), record) != null) {
                consumer.acknowledge(record, AcknowledgeType.ACCEPT); // the same job twice in one fetch
            }
        }
        return runnable;
    }

    private JobDispatch read(ConsumerRecord<String, byte[]> record) {
        try {
            JobDispatch dispatch = Json.fromBytes(record.value(), JobDispatch.class);
            if (dispatch == null || dispatch.jobId() == null) {
                throw new IllegalArgumentException("no jobId");
            }
            return dispatch;
        } catch (Exception e) {
            LOG.warnf(
                    "unreadable record %s-%d@%d, rejected to the dead-letter topic: %s",
                    record.topic(), record.partition(), record.offset(), e.toString());
            deadLetters.unreadable(record.topic(), record.key(), record.value(), e.toString());
            return null;
        }
    }

    /**
     * Renews the locks of the records held for a claim that must wait for the database, and fetches
     * them again: Kafka hands a renewed record back as a new object on the next poll, and only that
     * one can be acknowledged later. A record whose lock could not be kept is simply not among them.
     */
    private ConsumerRecords<String, byte[]> renew(Iterable<ConsumerRecord<String, byte[]>> records) {
        try {
            records.forEach(r -> consumer.acknowledge(r, AcknowledgeType.RENEW));
            consumer.commitSync(COMMIT_TIMEOUT);
            return consumer.poll(Duration.ofMillis(200));
        } catch (WakeupException stopping) {
            return ConsumerRecords.empty();
        } catch (RuntimeException e) {
            LOG.warnf("could not renew the locks of the records held for a claim: %s", e.toString());
            return ConsumerRecords.empty();
        }
    }

    private KafkaShareConsumer<String, byte[]> newConsumer() {
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, Topics.workerShareGroup(config.topicPrefix()));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, identity.id() + "-intake");
        props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, runners.fetchSize());
        return new KafkaShareConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
