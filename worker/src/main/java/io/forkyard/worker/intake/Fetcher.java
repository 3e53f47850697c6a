package io.forkyard.worker.intake;

import io.forkyard.db.Jdbc;
import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Json;
import io.forkyard.messaging.Topics;
import io.forkyard.retry.RetryPause;
import io.forkyard.trace.TraceParent;
import io.forkyard.worker.intake.UnreadableRecords.Unreadable;
import io.forkyard.worker.run.ClaimedJob;
import io.forkyard.worker.run.HeldJob;
import io.forkyard.worker.run.JobMdc;
import io.forkyard.worker.run.JobRunners;
import io.opentelemetry.context.Context;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
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
                List<ClaimedJob> claimed = triage.unreadable.isEmpty() && triage.turnedAway.isEmpty()
                        ? Jdbc.autoCommit(intake.dataSource, c -> intake.claims.execute(c, triage.runnable.keySet()))
                        : Jdbc.inTransaction(intake.dataSource, c -> {
                            if (!triage.unreadable.isEmpty()) {
                                UnreadableRecords.insert(c, triage.unreadable);
                            }
                            if (!triage.turnedAway.isEmpty()) {
                                turnAway(c, triage.turnedAway);
                            }
                            return triage.runnable.isEmpty()
                                    ? List.of()
                                    : intake.claims.execute(c, triage.runnable.keySet());
                        });
                claimed = withLimitedClaims(claimed, triage);
                for (ClaimedJob claim : claimed) {
                    HeldJob job = new HeldJob(claim, intake.runners.runnerFor(claim.type()));
                    Arrival arrival = triage.runnable.get(claim.id());
                    intake.tracing.claimed(job, arrival.record().topic(), arrival.trace(), fetchedAt);
                    intake.held.add(job);
                    intake.runners.offer(job);
                }
                triage.unreadable.forEach(u -> giveBack(u.record(), AcknowledgeType.REJECT));
                triage.taken.forEach(r -> consumer.acknowledge(r, AcknowledgeType.ACCEPT));
                traceClaims(triage, claimed);
                if (givenBack) {
                    commit();
                } else {
                    acknowledgementsPending = true;
                }
                intake.claimed(triage.runnable.size(), claimed.size());
                intake.turnedAway(triage.turnedAway.size());
                // After handing records on, don't fetch them straight back: give the idle worker time.
                return !triage.runnable.isEmpty() && !triage.handedOn();
            } catch (SQLException | RuntimeException e) {
                List<ConsumerRecord<String, byte[]>> held = triage.records();
                if (!Jdbc.worthRetrying(e)) {
                    // A write the database refuses for good: let the broker deliver these again later.
                    LOG.errorf(e, "claiming %d record(s) failed; releasing them", held.size());
                    held.forEach(r -> {
                        traceRecord(r, "released: the claim failed");
                        giveBack(r, AcknowledgeType.RELEASE);
                    });
                    commit();
                    return false;
                }
                LOG.warnf(
                        "the database is unreachable; keeping %d record(s) and retrying the claim in %d ms: %s",
                        held.size(), databaseDown.nextMillis(), e.toString());
                records = renew(held);
                if (!databaseDown.pause()) {
                    return true;
                }
            }
        }
        return true;
    }

    /**
     * Puts jobs of an envelope that did not fit in this fetch back in the outbox, and wakes the
     * relay to publish them at once (for another worker, or for this one's next fetch). Their
     * record is accepted with the rest: their next record is a new one, so the broker's delivery
     * count of a record is never spent on jobs a worker had no room for.
     */
    static final String TURN_AWAY = "SELECT job_outbox_put(?), pg_notify('" + Topics.OUTBOX_CHANNEL + "', '')";

    private static void turnAway(Connection c, List<UUID> ids) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(TURN_AWAY)) {
            s.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            s.execute();
        }
    }

    private static void traceClaims(Triage triage, List<ClaimedJob> claimed) {
        if (LOG.isDebugEnabled()) {
            Set<UUID> taken = new HashSet<>();
            claimed.forEach(c -> taken.add(c.id()));
            triage.runnable.forEach((id, a) -> traceJob(
                    a.record(), id, taken.contains(id) ? "claimed" : "accepted unclaimed: the job was not claimable"));
            triage.turnedAway.forEach(id -> LOG.debugf("Job(id=%s) put back in the outbox: no room for it here", id));
        }
    }

    /**
     * Adds to a plain claim the jobs it left that belong to paused or limited queues, claimed under
     * their queues' locks when they fit ({@link LimitedClaim}). If that claim fails, the plain claim
     * stands and the records it left (those none of whose jobs was claimed) go back to the broker,
     * to be delivered again; a job it left in a record that brought a claimed one waits for the
     * relay's safety net.
     */
    private List<ClaimedJob> withLimitedClaims(List<ClaimedJob> claimed, Triage triage) {
        if (claimed.size() == triage.runnable.size()) {
            return claimed;
        }
        Set<UUID> taken = new HashSet<>();
        claimed.forEach(c -> taken.add(c.id()));
        List<UUID> left = triage.runnable.keySet().stream()
                .filter(id -> !taken.contains(id))
                .toList();
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
            Set<ConsumerRecord<String, byte[]>> keep = Collections.newSetFromMap(new IdentityHashMap<>());
            taken.forEach(id -> keep.add(triage.runnable.get(id).record()));
            for (UUID id : left) {
                ConsumerRecord<String, byte[]> record =
                        triage.runnable.remove(id).record();
                if (!keep.contains(record) && triage.taken.remove(record)) {
                    traceRecord(record, "released: the claim of paused or limited queues failed");
                    giveBack(record, AcknowledgeType.RELEASE);
                }
            }
            return claimed;
        }
    }

    /** A job a fetch brought: its record, and the trace its claim continues (root: untraced). */
    private record Arrival(ConsumerRecord<String, byte[]> record, Context trace) {}

    /**
     * A fetch sorted: jobs to claim, by id; the records that brought them, accepted once the claim
     * has committed; jobs of those records that did not fit, for the outbox; and records to
     * dead-letter.
     */
    private record Triage(
            Map<UUID, Arrival> runnable,
            List<ConsumerRecord<String, byte[]>> taken,
            List<UUID> turnedAway,
            List<Unreadable> unreadable,
            boolean handedOn) {

        List<ConsumerRecord<String, byte[]>> records() {
            List<ConsumerRecord<String, byte[]>> all = new ArrayList<>(taken);
            unreadable.forEach(u -> all.add(u.record()));
            return all;
        }
    }

    /**
     * Sorts a fetch, job by job (a record may be an envelope of several, {@link JobDispatch}).
     * Acknowledges at once the records this worker can't run (released for a worker whose type has
     * a live child), those none of whose jobs it has room for (released for the idle worker, {@link
     * JobRunners#arrivals}) and one whose jobs all came in an earlier record of the fetch
     * (accepted). Of an envelope it has room for in part, the rest is turned away to the outbox.
     * A fetch takes at most the jobs it reserved room for, its fetch size.
     */
    private Triage triage(ConsumerRecords<String, byte[]> records) {
        Map<UUID, Arrival> runnable = new LinkedHashMap<>();
        List<ConsumerRecord<String, byte[]>> taken = new ArrayList<>();
        List<UUID> turnedAway = new ArrayList<>();
        List<Unreadable> unreadable = new ArrayList<>();
        JobRunners.Arrivals room = intake.runners.arrivals(reserves && intake.leaseKeeper.peersIdle());
        int budget = reserves ? intake.runners.fetchSize() : Intake.URGENT_FETCH;
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
                continue;
            }
            List<UUID> ids = dispatch.jobIds();
            List<Integer> fresh = new ArrayList<>(ids.size()); // indexes of jobs not seen in this fetch
            for (int i = 0; i < ids.size(); i++) {
                if (!runnable.containsKey(ids.get(i)) && !turnedAway.contains(ids.get(i))) {
                    fresh.add(i);
                }
            }
            if (fresh.isEmpty()) {
                traceRecord(record, "accepted: its jobs came twice in one fetch");
                consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                continue;
            }
            int fit = 0;
            while (fit < fresh.size() && budget > 0 && room.admit(dispatch.type())) {
                fit++;
                budget--;
            }
            if (fit == 0) {
                if (budget > 0) {
                    handedOn = true;
                    intake.returned();
                }
                traceRecord(
                        record,
                        budget > 0
                                ? "released: no free slot while another worker is idle"
                                : "released: more jobs than the fetch had room for");
                giveBack(record, AcknowledgeType.RELEASE);
                continue;
            }
            taken.add(record);
            for (int k = 0; k < fresh.size(); k++) {
                int i = fresh.get(k);
                if (k < fit) {
                    Context trace = i == 0
                            ? TraceParent.extract(record.headers())
                            : TraceParent.parse(dispatch.more().get(i - 1).traceParent());
                    runnable.put(ids.get(i), new Arrival(record, trace));
                } else {
                    turnedAway.add(ids.get(i));
                }
            }
        }
        return new Triage(runnable, taken, turnedAway, unreadable, handedOn);
    }

    /**
     * What became of a record, at debug: where a record went, for a job that seems to wait. Logged
     * under its key, its (first) job's id.
     */
    private static void traceRecord(ConsumerRecord<String, byte[]> record, String what) {
        traceJob(record, record.key(), what);
    }

    /** What became of one job of a record, at debug. */
    private static void traceJob(ConsumerRecord<String, byte[]> record, Object jobId, String what) {
        if (!LOG.isDebugEnabled()) {
            return;
        }
        try (JobMdc mdc = JobMdc.ofId(String.valueOf(jobId))) {
            LOG.debugf(
                    "record %s-%d@%d (job %s, delivery %s) %s",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    jobId,
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
