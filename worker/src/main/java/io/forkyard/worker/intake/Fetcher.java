package io.forkyard.worker.intake;

import io.forkyard.db.Jdbc;
import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Json;
import io.forkyard.retry.RetryPause;
import io.forkyard.worker.run.ClaimedJob;
import io.forkyard.worker.run.HeldJob;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * One share-group consumer of the intake and its loop: reserve room for a fetch, poll, claim what
 * came with one statement, buffer the claimed jobs, acknowledge the records. A worker runs a few of
 * these, so one fetcher's claim overlaps another's fetch; the reservation keeps what they hold
 * together within the worker's bound.
 */
final class Fetcher implements Runnable {

    private static final Logger LOG = Logger.getLogger(Fetcher.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration CAPACITY_CHECK = Duration.ofMillis(200);
    static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    /** After a fetch of nothing but records this worker can't run: don't fetch them straight back. */
    private static final Duration NOTHING_RUNNABLE_PAUSE = Duration.ofSeconds(1);

    private final Intake intake;
    private final KafkaShareConsumer<String, byte[]> consumer;

    Fetcher(Intake intake, KafkaShareConsumer<String, byte[]> consumer) {
        this.intake = intake;
        this.consumer = consumer;
    }

    /** Makes a poll in progress return at once; the loop then sees the intake stopping. */
    void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void run() {
        RetryPause brokerDown = new RetryPause(Duration.ofMillis(500), Duration.ofSeconds(5));
        long slotsSeen = intake.runners.slotsFreed();
        try {
            while (intake.isConsuming()) {
                if (!intake.runners.reserveFetch(intake.leaseKeeper.peersIdle())) {
                    slotsSeen = intake.runners.awaitSlotFreed(slotsSeen, CAPACITY_CHECK.toMillis());
                    continue;
                }
                boolean tookSomething = true;
                try {
                    ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                    brokerDown.reset();
                    tookSomething = records.isEmpty() || take(records);
                } catch (WakeupException stopping) {
                    continue;
                } catch (RuntimeException e) {
                    LOG.warnf("share consumer poll failed, retrying: %s", e.toString());
                    brokerDown.pause();
                } finally {
                    intake.runners.fetchDone();
                }
                if (!tookSomething) {
                    slotsSeen = intake.runners.awaitSlotFreed(slotsSeen, NOTHING_RUNNABLE_PAUSE.toMillis());
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
        while (intake.isConsuming()) {
            Map<UUID, ConsumerRecord<String, byte[]>> runnable = triage(records);
            if (runnable.isEmpty()) {
                consumer.commitAsync();
                return false;
            }
            try {
                List<ClaimedJob> claimed =
                        Jdbc.autoCommit(intake.dataSource, c -> intake.claims.execute(c, runnable.keySet()));
                for (ClaimedJob claim : claimed) {
                    HeldJob job = new HeldJob(claim, intake.runners.runnerFor(claim.type()));
                    intake.held.add(job);
                    intake.runners.offer(job);
                }
                runnable.values().forEach(r -> consumer.acknowledge(r, AcknowledgeType.ACCEPT));
                consumer.commitAsync();
                intake.claimed(runnable.size(), claimed.size());
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
            } else if (!intake.runners.canRun(dispatch.type())) {
                intake.released();
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
            intake.deadLetters.unreadable(record.topic(), record.key(), record.value(), e.toString());
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
}
