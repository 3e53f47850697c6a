package io.forkyard.worker.consume;

import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Json;
import io.forkyard.worker.run.Disposition;
import io.forkyard.worker.run.JobRunner;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.jboss.logging.Logger;

/**
 * One share-group consumer that holds at most one record at a time (acquire mode {@code
 * record_limit}, {@code max.poll.records=1}): it polls only when its previous job is done and a
 * child of the pool is free, which is the worker's backpressure. The job runs on the lane's own
 * job thread; meanwhile the lane thread renews the record's lock every {@code renewInterval}, so a
 * long job is never redelivered while it still runs.
 *
 * <p>Kafka 4.3 rules this class follows (checked against a real broker): after {@code RENEW} and
 * {@code commitSync}, the next {@code poll} hands the renewed record back as a new object, and only
 * that object can be acknowledged later; every record of a poll must be acknowledged before the
 * next poll; {@code commitSync}'s map, not an exception, reports a lock that was lost.
 */
final class ShareLane implements Runnable {

    private static final Logger LOG = Logger.getLogger(ShareLane.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FREE_CHILD_CHECK = Duration.ofMillis(50);

    private final KafkaShareConsumer<String, byte[]> consumer;
    private final JobRunner runner;
    private final DeadLetters deadLetters;
    private final Duration renewInterval;
    private final BooleanSupplier freeChild;
    private final Counter renewed;
    private final Counter lockLost;
    private final ExecutorService jobThread;
    private volatile boolean running = true;

    ShareLane(
            KafkaShareConsumer<String, byte[]> consumer,
            JobRunner runner,
            DeadLetters deadLetters,
            Duration renewInterval,
            BooleanSupplier freeChild,
            MeterRegistry registry,
            String name) {
        this.consumer = consumer;
        this.runner = runner;
        this.deadLetters = deadLetters;
        this.renewInterval = renewInterval;
        this.freeChild = freeChild;
        this.renewed = renewals(registry, "renewed");
        this.lockLost = renewals(registry, "lost");
        this.jobThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name + "-job");
            t.setDaemon(true);
            return t;
        });
    }

    /** Stop taking records; the job in hand, if any, runs to its end. */
    void stopPolling() {
        running = false;
    }

    @Override
    public void run() {
        try {
            while (running) {
                if (!freeChild.getAsBoolean()) {
                    awaitFreeChild();
                    continue;
                }
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(POLL);
                } catch (RuntimeException e) {
                    LOG.warnf("share consumer poll failed, retrying: %s", e.toString());
                    sleep(1_000);
                    continue;
                }
                Iterator<ConsumerRecord<String, byte[]>> it = records.iterator();
                if (!it.hasNext()) {
                    continue;
                }
                ConsumerRecord<String, byte[]> first = it.next();
                // record_limit should make this impossible; never hold more than one job anyway.
                it.forEachRemaining(extra -> consumer.acknowledge(extra, AcknowledgeType.RELEASE));
                handle(first);
            }
        } finally {
            jobThread.shutdownNow();
            try {
                consumer.close(COMMIT_TIMEOUT); // releases anything not acknowledged
            } catch (RuntimeException e) {
                LOG.debugf("closing the share consumer: %s", e.toString());
            }
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        JobDispatch dispatch;
        try {
            dispatch = Json.fromBytes(record.value(), JobDispatch.class);
            if (dispatch == null || dispatch.jobId() == null) {
                throw new IllegalArgumentException("no jobId");
            }
        } catch (Exception e) {
            LOG.warnf(
                    "unreadable record %s-%d@%d, rejected to the dead-letter topic: %s",
                    record.topic(), record.partition(), record.offset(), e.toString());
            deadLetters.unreadable(record.topic(), record.key(), record.value(), e.toString());
            finish(record, AcknowledgeType.REJECT);
            return;
        }
        Future<Disposition> job = jobThread.submit(() -> runner.process(dispatch.jobId(), dispatch.type()));
        ConsumerRecord<String, byte[]> current = record;
        boolean lockHeld = true;
        while (true) {
            try {
                Disposition disposition = job.get(renewInterval.toMillis(), TimeUnit.MILLISECONDS);
                if (lockHeld) {
                    finish(
                            current,
                            switch (disposition) {
                                case ACCEPT -> AcknowledgeType.ACCEPT;
                                case RELEASE -> AcknowledgeType.RELEASE;
                                case REJECT -> AcknowledgeType.REJECT;
                            });
                }
                return;
            } catch (TimeoutException stillRunning) {
                if (lockHeld) {
                    Optional<ConsumerRecord<String, byte[]>> copy = renew(current);
                    lockHeld = copy.isPresent();
                    current = copy.orElse(current);
                    (lockHeld ? renewed : lockLost).increment();
                }
            } catch (ExecutionException e) {
                LOG.errorf(e.getCause(), "job thread failed on record for Job(id=%s)", dispatch.jobId());
                finish(current, AcknowledgeType.RELEASE);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Takes no record while no child is free (all busy, restarting, or failing to start): sends the
     * acknowledgements still pending first, so they do not wait too.
     */
    private void awaitFreeChild() {
        try {
            consumer.commitSync(COMMIT_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.debugf("sending pending acknowledgements: %s", e.toString());
        }
        while (running && !freeChild.getAsBoolean()) {
            sleep(FREE_CHILD_CHECK.toMillis());
        }
    }

    /** RENEW, commit, and poll for the renewed copy; empty when the lock could not be kept. */
    private Optional<ConsumerRecord<String, byte[]>> renew(ConsumerRecord<String, byte[]> record) {
        try {
            consumer.acknowledge(record, AcknowledgeType.RENEW);
            if (!committed(consumer.commitSync(COMMIT_TIMEOUT))) {
                return Optional.empty();
            }
            ConsumerRecords<String, byte[]> again = consumer.poll(Duration.ofMillis(200));
            Optional<ConsumerRecord<String, byte[]>> copy = Optional.empty();
            for (ConsumerRecord<String, byte[]> r : again) {
                if (copy.isEmpty() && r.offset() == record.offset() && r.partition() == record.partition()) {
                    copy = Optional.of(r);
                } else {
                    consumer.acknowledge(r, AcknowledgeType.RELEASE);
                }
            }
            if (copy.isEmpty()) {
                LOG.warnf(
                        "renewed record %s-%d@%d did not come back; its job keeps running on its DB lease",
                        record.topic(), record.partition(), record.offset());
            }
            return copy;
        } catch (RuntimeException e) {
            LOG.warnf(
                    "could not renew the lock of %s-%d@%d: %s",
                    record.topic(), record.partition(), record.offset(), e.toString());
            return Optional.empty();
        }
    }

    /**
     * Acknowledges the record; the acknowledgement travels with the next poll (or the close), which
     * saves a round trip per job. If the worker dies first, the record comes back and the claim
     * finds the job already finished.
     */
    private void finish(ConsumerRecord<String, byte[]> record, AcknowledgeType type) {
        try {
            consumer.acknowledge(record, type);
        } catch (RuntimeException e) {
            LOG.warnf(
                    "could not acknowledge %s-%d@%d as %s: %s",
                    record.topic(), record.partition(), record.offset(), type, e.toString());
        }
    }

    private static Counter renewals(MeterRegistry registry, String result) {
        return Counter.builder("forkyard.worker.record.renewals")
                .description("Lock renewals of the records of running jobs, by result (renewed, lost)")
                .tag("result", result)
                .register(registry);
    }

    private static boolean committed(Map<TopicIdPartition, Optional<KafkaException>> result) {
        return result.values().stream().allMatch(Optional::isEmpty);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
