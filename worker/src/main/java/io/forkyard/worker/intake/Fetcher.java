package io.forkyard.worker.intake;

import io.forkyard.db.Jdbc;
import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Json;
import io.forkyard.retry.RetryPause;
import io.forkyard.worker.intake.UnreadableRecords.Unreadable;
import io.forkyard.worker.run.ClaimedJob;
import io.forkyard.worker.run.HeldJob;
import io.forkyard.worker.run.JobMdc;
import io.forkyard.worker.run.JobRunners;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
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
    /** After a fetch of records this worker could not run or handed on: don't fetch them straight back. */
    private static final Duration NOTHING_RUNNABLE_PAUSE = Duration.ofSeconds(1);

    private final Intake intake;
    /** Makes a subscribed consumer: the first, and a new one after {@link #reopen}. */
    private final Supplier<KafkaShareConsumer<String, byte[]>> consumers;

    private volatile KafkaShareConsumer<String, byte[]> consumer;
    /** Whether a fetch waits for room first; the urgent topics' fetcher does not. */
    private final boolean reserves;

    /**
     * Whether the consumer may acquire records without being polled. In Kafka 4.3 a share consumer
     * whose poll brought nothing goes on sending share fetches in the background until one brings
     * records (KAFKA-20015), and what it acquires stays locked to it (the broker's record lock, 30 s
     * by default) until it is polled. So an armed fetcher keeps polling, and keeps its reservation,
     * whether or not there is room; a poll that brings records disarms it.
     */
    private boolean armed;

    /**
     * Set when this fetcher handed records on to an idle worker: its consumer is then closed and a
     * new one made. A share fetch of its consumer may still be pending at the broker after the poll
     * that brought the records (the poll's own fetch request is handled after the response that
     * answered it), and it takes the records back as soon as their release makes them available:
     * they then stay locked to a consumer this fetcher no longer polls, for want of room, until it
     * closes (issue 21's fifth stall, seen in the broker's share-group state: four handed-on records
     * taken back at delivery 2 and held until the busy worker stopped). Closing releases whatever
     * the consumer holds and ends its fetches.
     */
    private boolean reopen;

    /**
     * Set once this fetcher's consumer has had a share fetch answered: the broker has assigned it
     * its topics' partitions (a share group's first assignment comes 2-4 s after the subscription),
     * so a record published from now on comes back at its next fetch. Stays set.
     */
    private volatile boolean fetching;

    /**
     * Set when records were accepted and the acknowledgements not sent yet: they ride on the
     * consumer's next share fetch (one request a fetch instead of two), or go alone ({@link
     * #sendAcknowledgements}) when this fetcher is about to wait instead of fetching. A claimed job
     * no longer needs its record, so the wait costs nothing but the broker's lock on it a little
     * longer; releases and rejects go at once, for another worker to take.
     */
    private boolean acknowledgementsPending;

    /** Set when a record was released or rejected since the acknowledgements last went: they go at once. */
    private boolean givenBack;

    Fetcher(Intake intake, Supplier<KafkaShareConsumer<String, byte[]>> consumers, boolean reserves) {
        this.intake = intake;
        this.consumers = consumers;
        this.consumer = consumers.get();
        this.reserves = reserves;
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
                if (!armed && !mayFetch()) {
                    sendAcknowledgements();
                    slotsSeen = intake.runners.awaitSlotFreed(slotsSeen, CAPACITY_CHECK.toMillis());
                    continue;
                }
                armed = true; // until a poll says otherwise: one that fails may have sent a fetch
                boolean fetchAgain = true;
                slotsSeen = intake.runners.slotsFreed(); // a pause below ends early for a slot freed from now on
                try {
                    ConsumerRecords<String, byte[]> records = poll(POLL);
                    brokerDown.reset();
                    fetchAgain = records.isEmpty() || take(records, Instant.now());
                } catch (WakeupException stopping) {
                    continue;
                } catch (RuntimeException e) {
                    LOG.warnf("share consumer poll failed, retrying: %s", e.toString());
                    brokerDown.pause();
                } finally {
                    if (reserves && !armed) {
                        intake.runners.fetchDone();
                    }
                }
                if (reopen) {
                    reopen = false;
                    close(); // sends the releases first
                    if (intake.isConsuming()) {
                        consumer = consumers.get();
                    }
                }
                if (!fetchAgain) {
                    sendAcknowledgements();
                    slotsSeen = intake.runners.awaitSlotFreed(slotsSeen, NOTHING_RUNNABLE_PAUSE.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
        }
    }

    private void sendAcknowledgements() {
        if (acknowledgementsPending) {
            commit();
        }
    }

    /** Sends every acknowledgement made so far, now. */
    private void commit() {
        acknowledgementsPending = false;
        givenBack = false;
        consumer.commitAsync();
    }

    /** Releases or rejects a record; it goes with the next send, which is made at once. */
    private void giveBack(ConsumerRecord<String, byte[]> record, AcknowledgeType type) {
        consumer.acknowledge(record, type);
        givenBack = true;
    }

    /** Sends the last acknowledgements and releases every record the consumer still holds. */
    private void close() {
        try {
            consumer.close(COMMIT_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.debugf("closing the share consumer: %s", e.toString());
        }
    }

    private ConsumerRecords<String, byte[]> poll(Duration timeout) {
        ConsumerRecords<String, byte[]> records = consumer.poll(timeout);
        acknowledgementsPending = false; // the poll took them
        givenBack = false;
        armed = records.isEmpty();
        if (!fetching) {
            fetching = !records.isEmpty() || fetchesAnswered(consumer) > 0;
        }
        return records;
    }

    /** Whether the consumer has had a share fetch answered (only its assigned partitions are fetched). */
    boolean fetching() {
        return fetching;
    }

    /** Whether this fetcher reads the queues' topics (not their urgent ones). */
    boolean reserves() {
        return reserves;
    }

    private static double fetchesAnswered(KafkaShareConsumer<String, byte[]> consumer) {
        for (Map.Entry<MetricName, ? extends Metric> m : consumer.metrics().entrySet()) {
            if (m.getKey().name().equals("fetch-total") && m.getKey().group().endsWith("fetch-manager-metrics")) {
                return ((Number) m.getValue().metricValue()).doubleValue();
            }
        }
        return 0;
    }

    /**
     * Whether this fetcher may start a fetch now; the intake's fetchers reserve room for it ({@link
     * JobRunners#reserveFetch}), the urgent fetcher only checks what it holds.
     */
    private boolean mayFetch() {
        return reserves
                ? intake.runners.reserveFetch(intake.leaseKeeper.peersIdle())
                : intake.runners.urgentWaiting() < Intake.URGENT_HELD;
    }

    /**
     * Claims and buffers what a fetch brought; false when the next fetch should wait a little: it
     * brought nothing this worker could run (records of a type without a live child here, or
     * unreadable ones), or records it handed on to an idle worker.
     */
    private boolean take(ConsumerRecords<String, byte[]> fetched, Instant fetchedAt) {
        ConsumerRecords<String, byte[]> records = fetched;
        RetryPause databaseDown = new RetryPause(Duration.ofMillis(200), Duration.ofSeconds(5));
        while (intake.isConsuming()) {
            Triage triage = triage(records);
            if (triage.handedOn()) {
                intake.runners.handedOn(); // and no fetch of this worker takes them straight back
                reopen = true; // nor its consumer, through a fetch still pending
            }
            if (triage.runnable.isEmpty() && triage.unreadable.isEmpty()) {
                commit();
                return false;
            }
            try {
                List<ClaimedJob> claimed = triage.unreadable.isEmpty()
                        ? Jdbc.autoCommit(intake.dataSource, c -> intake.claims.execute(c, triage.runnable.keySet()))
                        : Jdbc.inTransaction(intake.dataSource, c -> {
                            UnreadableRecords.insert(c, triage.unreadable);
                            return triage.runnable.isEmpty()
                                    ? List.of()
                                    : intake.claims.execute(c, triage.runnable.keySet());
                        });
                claimed = withLimitedClaims(claimed, triage.runnable);
                for (ClaimedJob claim : claimed) {
                    HeldJob job = new HeldJob(claim, intake.runners.runnerFor(claim.type()));
                    ConsumerRecord<String, byte[]> record = triage.runnable.get(claim.id());
                    intake.tracing.claimed(job, record.topic(), record.headers(), fetchedAt);
                    intake.held.add(job);
                    intake.runners.offer(job);
                }
                triage.unreadable.forEach(u -> giveBack(u.record(), AcknowledgeType.REJECT));
                triage.runnable.values().forEach(r -> consumer.acknowledge(r, AcknowledgeType.ACCEPT));
                traceClaims(triage.runnable, claimed);
                if (givenBack) {
                    commit();
                } else {
                    acknowledgementsPending = true;
                }
                intake.claimed(triage.runnable.size(), claimed.size());
                // After handing records on, don't fetch them straight back: give the idle worker time.
                return !triage.runnable.isEmpty() && !triage.handedOn();
            } catch (SQLException | RuntimeException e) {
                if (!Jdbc.worthRetrying(e)) {
                    // A write the database refuses for good: let the broker deliver these again later.
                    LOG.errorf(e, "claiming %d record(s) failed; releasing them", triage.size());
                    triage.records().forEach(r -> {
                        traceRecord(r, "released: the claim failed");
                        giveBack(r, AcknowledgeType.RELEASE);
                    });
                    commit();
                    return false;
                }
                LOG.warnf(
                        "the database is unreachable; keeping %d record(s) and retrying the claim in %d ms: %s",
                        triage.size(), databaseDown.nextMillis(), e.toString());
                records = renew(triage.records());
                if (!databaseDown.pause()) {
                    return true;
                }
            }
        }
        return true;
    }

    private static void traceClaims(Map<UUID, ConsumerRecord<String, byte[]>> fetched, List<ClaimedJob> claimed) {
        if (LOG.isDebugEnabled()) {
            Set<UUID> taken = new HashSet<>();
            claimed.forEach(c -> taken.add(c.id()));
            fetched.forEach((id, r) ->
                    traceRecord(r, taken.contains(id) ? "claimed" : "accepted unclaimed: the job was not claimable"));
        }
    }

    /**
     * Adds to a plain claim the jobs it left that belong to paused or limited queues, claimed under
     * their queues' locks when they fit ({@link LimitedClaim}). If that claim fails, the plain claim
     * stands and the records it left go back to the broker (and out of {@code fetched}), to be
     * delivered again.
     */
    private List<ClaimedJob> withLimitedClaims(
            List<ClaimedJob> claimed, Map<UUID, ConsumerRecord<String, byte[]>> fetched) {
        if (claimed.size() == fetched.size()) {
            return claimed;
        }
        Set<UUID> taken = new HashSet<>();
        claimed.forEach(c -> taken.add(c.id()));
        List<UUID> left =
                fetched.keySet().stream().filter(id -> !taken.contains(id)).toList();
        try {
            List<ClaimedJob> limited =
                    Jdbc.inTransaction(intake.dataSource, c -> intake.limitedClaims.execute(c, left));
            if (limited.isEmpty()) {
                return claimed;
            }
            List<ClaimedJob> all = new ArrayList<>(claimed);
            all.addAll(limited);
            return all;
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("claiming %d job(s) of paused or limited queues failed; releasing them: %s", left.size(), e);
            for (UUID id : left) {
                ConsumerRecord<String, byte[]> record = fetched.remove(id);
                traceRecord(record, "released: the claim of paused or limited queues failed");
                giveBack(record, AcknowledgeType.RELEASE);
            }
            return claimed;
        }
    }

    /** A fetch sorted: records to claim by job id, and records to dead-letter. */
    private record Triage(
            Map<UUID, ConsumerRecord<String, byte[]>> runnable, List<Unreadable> unreadable, boolean handedOn) {
        int size() {
            return runnable.size() + unreadable.size();
        }

        List<ConsumerRecord<String, byte[]>> records() {
            List<ConsumerRecord<String, byte[]>> all = new ArrayList<>(runnable.values());
            unreadable.forEach(u -> all.add(u.record()));
            return all;
        }
    }

    /**
     * Sorts a fetch. Acknowledges at once the records this worker can't run (released for a worker
     * whose type has a live child), those it has no room for (released for the idle worker, {@link
     * JobRunners#arrivals}) and a second record of the same job (accepted).
     */
    private Triage triage(ConsumerRecords<String, byte[]> records) {
        Map<UUID, ConsumerRecord<String, byte[]>> runnable = new LinkedHashMap<>();
        List<Unreadable> unreadable = new ArrayList<>();
        JobRunners.Arrivals room = intake.runners.arrivals(reserves && intake.leaseKeeper.peersIdle());
        boolean handedOn = false;
        for (ConsumerRecord<String, byte[]> record : records) {
            JobDispatch dispatch;
            try {
                dispatch = read(record);
            } catch (Exception e) {
                LOG.warnf(
                        "unreadable record %s-%d@%d, rejected to the dead-letter outbox: %s",
                        record.topic(), record.partition(), record.offset(), e.toString());
                unreadable.add(new Unreadable(record, e.toString()));
                continue;
            }
            if (!intake.runners.canRun(dispatch.type())) {
                intake.released();
                traceRecord(record, "released: no live child for its type here");
                giveBack(record, AcknowledgeType.RELEASE);
            } else if (runnable.containsKey(dispatch.jobId())) {
                traceRecord(record, "accepted: the same job twice in one fetch");
                consumer.acknowledge(record, AcknowledgeType.ACCEPT);
            } else if (!room.admit(dispatch.type())) {
                handedOn = true;
                intake.returned();
                traceRecord(record, "released: no free slot while another worker is idle");
                giveBack(record, AcknowledgeType.RELEASE);
            } else {
                runnable.put(dispatch.jobId(), record);
            }
        }
        return new Triage(runnable, unreadable, handedOn);
    }

    /** What became of a record, at debug: where a record went, for a job that seems to wait. */
    private static void traceRecord(ConsumerRecord<String, byte[]> record, String what) {
        if (!LOG.isDebugEnabled()) {
            return;
        }
        try (JobMdc mdc = JobMdc.ofId(record.key())) { // a record's key is its job's id
            LOG.debugf(
                    "record %s-%d@%d (key %s, delivery %s) %s",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    record.key(),
                    record.deliveryCount().map(String::valueOf).orElse("?"),
                    what);
        }
    }

    private static JobDispatch read(ConsumerRecord<String, byte[]> record) throws Exception {
        JobDispatch dispatch = Json.fromBytes(record.value(), JobDispatch.class);
        if (dispatch == null || dispatch.jobId() == null) {
            throw new IllegalArgumentException("no jobId");
        }
        return dispatch;
    }

    /**
     * Renews the locks of the records held for a claim that must wait for the database, and fetches
     * them again: Kafka hands a renewed record back as a new object on the next poll, and only that
     * one can be acknowledged later. A record whose lock could not be kept is simply not among them.
     */
    private ConsumerRecords<String, byte[]> renew(Iterable<ConsumerRecord<String, byte[]>> records) {
        try {
            records.forEach(r -> {
                traceRecord(r, "renewed: the database is unreachable");
                consumer.acknowledge(r, AcknowledgeType.RENEW);
            });
            consumer.commitSync(COMMIT_TIMEOUT);
            return poll(Duration.ofMillis(200));
        } catch (WakeupException stopping) {
            return ConsumerRecords.empty();
        } catch (RuntimeException e) {
            LOG.warnf("could not renew the locks of the records held for a claim: %s", e.toString());
            return ConsumerRecords.empty();
        }
    }
}
