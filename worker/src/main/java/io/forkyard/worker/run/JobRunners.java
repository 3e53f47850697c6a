package io.forkyard.worker.run;

import io.forkyard.jobtype.JobType;
import io.forkyard.jobtype.JobTypeCatalogue;
import io.forkyard.worker.WorkerConfig;
import io.forkyard.worker.pool.ChildPool;
import io.forkyard.worker.pool.ExternalPools;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every runner of the worker: the default child pool's slots, one per external type's pool, and
 * the I/O runner. Routes a claimed job to its runner and says, for the intake, whether the worker
 * wants more work: it holds at most its slots plus {@code prefetch} CPU jobs.
 */
@ApplicationScoped
public class JobRunners {

    /** The runner of CPU and {@code exec} jobs of built-in types. */
    public static final String DEFAULT = "default";

    private static final String IO = "io";

    @Inject
    WorkerConfig config;

    @Inject
    ChildPool pool;

    @Inject
    ExternalPools externalPools;

    @Inject
    Completion completion;

    @Inject
    JobTracing tracing;

    private final Map<String, Runner> runners = new LinkedHashMap<>();
    private final Object slotSignal = new Object();
    private long slotsFreed;
    /** Fetches under way (reserved, their jobs not yet in a buffer). */
    private int fetching;
    /**
     * A fetch handed records on to an idle worker since a slot last freed here: until one frees (or
     * no other worker is idle), a fetch would only acquire them again, and every acquisition spends
     * one of the broker's deliveries of a record (archived after five).
     */
    private boolean handedOn;

    private volatile Runnable becameIdle = () -> {};
    private JobTypeCatalogue catalogue;

    @PostConstruct
    void init() {
        catalogue = JobTypeCatalogue.instance().withExternal(externalPools.types());
        JobExecution execution = new JobExecution(
                catalogue,
                new ExecPolicy(
                        config.exec().allowedPrograms().orElse(List.of()),
                        config.exec().allowOptions(),
                        config.exec().maxOutputBytes()),
                config.pool().slotWait(),
                tracing);
        runners.put(DEFAULT, new PoolRunner(DEFAULT, pool, execution, completion, this::slotFreed));
        for (String type : externalPools.types()) {
            ChildPool external = externalPools.pool(type).orElseThrow();
            runners.put(type, new PoolRunner(type, external, execution, completion, this::slotFreed));
        }
        runners.put(IO, new IoRunner(config.ioConcurrency(), execution, completion, this::slotFreed));
    }

    /** Starts the slots. */
    public void start() {
        runners.values().forEach(Runner::start);
    }

    /** The runner a job of {@code type} goes to; a type this worker does not know fails on the default one. */
    public String runnerFor(String type) {
        if (runners.containsKey(type)) {
            return type;
        }
        boolean io =
                catalogue.find(type).map(t -> t.nature() == JobType.Nature.IO).orElse(false);
        return io ? IO : DEFAULT;
    }

    /** Whether a job of {@code type} could start here soon: its pool has a live child. */
    public boolean canRun(String type) {
        return runners.get(runnerFor(type)).canRun();
    }

    /** Puts a claimed job in its runner's buffer; a free slot takes it at once. */
    public void offer(HeldJob job) {
        runners.get(job.pool()).offer(job);
    }

    /**
     * Jobs one fetch takes: half the prefetch, so a worker whose slots are busy keeps fetching
     * while half its buffer is free, and jobs that arrive one by one still fill it.
     */
    public int fetchSize() {
        return Math.max(1, config.prefetch() / 2);
    }

    /**
     * Reserves room for one fetch of {@link #fetchSize()} jobs, if there is room: the fetch must
     * fit within the free slots plus {@code prefetch}, beside the CPU jobs already waiting in buffers
     * and the fetches already under way (so a worker holds at most its slots plus {@code prefetch}
     * of them); nothing may wait for an I/O permit; and, when another worker is idle, only for a
     * free slot ({@link #roomForFetch}): what this worker can't start now should go to that worker
     * instead. Every
     * reservation ends with {@link #fetchDone()}, once the fetched jobs are in their buffers.
     */
    public synchronized boolean reserveFetch(boolean peersIdle) {
        if (!peersIdle) {
            handedOn = false;
        } else if (handedOn) {
            return false;
        }
        int free = 0;
        int waiting = fetching * fetchSize();
        for (Runner r : runners.values()) {
            if (r instanceof IoRunner) {
                if (r.buffer.waiting() > 0) {
                    return false;
                }
            } else {
                free += r.free();
                waiting += r.buffer.waiting();
            }
        }
        boolean room = roomForFetch(peersIdle, free, waiting, fetchSize(), config.prefetch());
        if (room) {
            fetching++;
        }
        return room;
    }

    /**
     * Whether a fetch of {@code fetchSize} jobs fits. Normally within the free slots plus the
     * prefetch. When another worker is idle, only while a free slot has no job waiting or coming
     * for it: a fetch can't ask for fewer jobs than {@code fetchSize}, so what it brings beyond the
     * free slots goes back at once for the idle worker ({@link #arrivals}).
     * (Asking for the fetch to fit the free slots, as this once did, stopped two idle workers from
     * ever fetching: each saw the other idle.)
     */
    static boolean roomForFetch(boolean peersIdle, int free, int waiting, int fetchSize, int prefetch) {
        return peersIdle ? free > waiting : waiting + fetchSize <= free + prefetch;
    }

    /**
     * Which records of a fetch that just came this worker may claim: all of them, unless another
     * worker is idle, when a job that takes a slot only while its pool has a free slot with no job
     * waiting for it. The rest go back to the broker at once, for the idle worker, rather than wait
     * here for the next beat to hand them back. A fetch that began with room can come without it:
     * another worker fell idle meanwhile, or its records were acquired while the fetcher did not
     * poll.
     */
    public synchronized Arrivals arrivals(boolean peersIdle) {
        if (!peersIdle) {
            return new Arrivals(null);
        }
        Map<String, Integer> room = new HashMap<>();
        runners.forEach((name, r) -> {
            if (!(r instanceof IoRunner)) {
                room.put(name, r.free() - r.buffer.waiting());
            }
        });
        return new Arrivals(room);
    }

    /** The room for one fetch's records, from {@link #arrivals}. */
    public final class Arrivals {

        /** Free slots without a waiting job, by pool; null: no limit. */
        private final Map<String, Integer> room;

        private Arrivals(Map<String, Integer> room) {
            this.room = room;
        }

        /** Whether a job of {@code type} may be claimed; if so, it takes its room. */
        public boolean admit(String type) {
            if (room == null) {
                return true;
            }
            Integer left = room.computeIfPresent(runnerFor(type), (pool, n) -> n - 1);
            return left == null || left >= 0; // null: an I/O job, which takes no slot
        }
    }

    /**
     * A fetch handed records on to an idle worker ({@link Arrivals}): no fetch reserves room while
     * another worker is idle until a slot frees here.
     */
    public synchronized void handedOn() {
        handedOn = true;
    }

    /** Urgent jobs waiting in every buffer: what the urgent fetcher holds beyond the worker's bound. */
    public int urgentWaiting() {
        int n = 0;
        for (Runner r : runners.values()) {
            n += r.buffer.urgentWaiting();
        }
        return n;
    }

    /** Ends a reservation of {@link #reserveFetch}. */
    public synchronized void fetchDone() {
        fetching--;
    }

    /** Waits until a slot frees (or the timeout); returns at once if one freed since {@code seen}. */
    public long awaitSlotFreed(long seen, long timeoutMillis) throws InterruptedException {
        synchronized (slotSignal) {
            if (slotsFreed == seen && timeoutMillis > 0) {
                slotSignal.wait(timeoutMillis);
            }
            return slotsFreed;
        }
    }

    /** How many times a slot freed so far: pass it to {@link #awaitSlotFreed}. */
    public long slotsFreed() {
        synchronized (slotSignal) {
            return slotsFreed;
        }
    }

    private void slotFreed() {
        synchronized (this) {
            handedOn = false;
        }
        synchronized (slotSignal) {
            slotsFreed++;
            slotSignal.notifyAll();
        }
        if (idle()) {
            becameIdle.run();
        }
    }

    /** Whether the default pool has a free slot and nothing waits in any buffer. */
    public boolean idle() {
        return runners.get(DEFAULT).free() > 0 && buffered() == 0;
    }

    /** Runs {@code listener} whenever a slot frees and leaves the worker idle. */
    public void onIdle(Runnable listener) {
        becameIdle = listener;
    }

    /** Withdraws a buffered job before it starts; false when a slot took it first. */
    public boolean withdraw(HeldJob job) {
        return runners.get(job.pool()).buffer.withdraw(job);
    }

    /** Withdraws every buffered job (shutdown). */
    public List<HeldJob> withdrawAll() {
        List<HeldJob> all = new ArrayList<>();
        runners.values().forEach(r -> all.addAll(r.buffer.withdrawAll()));
        return all;
    }

    /** Buffered jobs of child pools, longest waiting first: what to hand to an idle worker. */
    public List<HeldJob> bufferedCpuJobs() {
        List<HeldJob> jobs = new ArrayList<>();
        runners.values().stream().filter(r -> r instanceof PoolRunner).forEach(r -> jobs.addAll(r.buffer.snapshot()));
        jobs.sort(Comparator.comparing(HeldJob::heldFor).reversed());
        return jobs;
    }

    /** Children of the default pool. */
    public int defaultSlots() {
        return runners.get(DEFAULT).slots();
    }

    /** Jobs waiting in any buffer. */
    public int buffered() {
        return runners.values().stream().mapToInt(r -> r.buffer.waiting()).sum();
    }

    /** Jobs running in a slot (or on an I/O thread) now. */
    public int busy() {
        return runners.values().stream().mapToInt(Runner::busy).sum();
    }

    /** Slots of the default pool running a job now. */
    public int defaultBusy() {
        return runners.get(DEFAULT).busy();
    }

    /** Stops the slots after their current job; running jobs must have been stopped or finished. */
    public void close() {
        runners.values().forEach(Runner::close);
    }
}
