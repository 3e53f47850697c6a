package io.forkyard.worker.pool;

import io.forkyard.retry.RetryPause;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jboss.logging.Logger;

/**
 * A fixed number of slots, each holding one long-lived child process (HikariCP's vocabulary:
 * {@link #borrow}, {@link #release}, evict with a reason, {@link #close}).
 *
 * <p>Children start with the pool and are reused, so a warm dispatch costs a pipe round trip, not
 * a JVM start. A child that failed in a way that leaves it in an unknown state (killed on timeout
 * or cancel, crashed, wrote garbage) or that ran {@code recycleAfterJobs} jobs is evicted, and a
 * fresh one is started for its slot on the refill thread, off the caller's path. If a child can't
 * start, its slot retries with backoff and counts as dead; with every slot dead the pool can't
 * serve ({@link #canServe}) and the worker is not ready.
 *
 * <p>Hazard: a caller that never releases a slot shrinks the pool for good; callers release in a
 * {@code finally}.
 */
public final class ChildPool implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ChildPool.class);

    /** A slot lent to one caller. */
    public final class Slot {
        private final int index;
        private ChildProcess child;
        // whether this slot's last start failed; only the one fill of the slot writes it
        private boolean failing;

        private Slot(int index) {
            this.index = index;
        }

        public ChildOutcome run(
                String requestId,
                String type,
                com.fasterxml.jackson.databind.JsonNode input,
                Duration timeout,
                ChildListener listener) {
            return child.run(requestId, type, input, timeout, listener);
        }

        public long pid() {
            return child.pid();
        }

        @Override
        public String toString() {
            return "Slot(" + index + ", " + child + ")";
        }
    }

    /** Settings of a pool. */
    public record Settings(
            int size,
            int recycleAfterJobs,
            int maxFrameBytes,
            long maxStderrBytes,
            int stderrTailBytes,
            Duration startTimeout) {}

    private final ChildLauncher launcher;
    private final Settings settings;
    private final BlockingQueue<Slot> idle;
    private final List<Slot> slots = new ArrayList<>();
    private final AtomicInteger alive = new AtomicInteger();
    private final AtomicInteger failing = new AtomicInteger();
    private final Map<String, LongAdder> evictions = new ConcurrentHashMap<>();
    private final ExecutorService refill;
    private volatile boolean closed;
    private volatile String lastStartFailure;

    public ChildPool(ChildLauncher launcher, Settings settings) {
        this.launcher = launcher;
        this.settings = settings;
        this.idle = new ArrayBlockingQueue<>(settings.size());
        this.refill = Executors.newFixedThreadPool(Math.min(settings.size(), 4), r -> {
            Thread t = new Thread(r, "child-pool-refill");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < settings.size(); i++) {
            slots.add(new Slot(i));
        }
    }

    /**
     * Starts every child (in parallel) and waits until each has been tried once. A child that did
     * not start is retried in the background, with backoff, while the pool serves with the others;
     * a pool with no live child makes the worker not ready, and its lanes take no records.
     */
    public ChildPool start() {
        CountDownLatch tried = new CountDownLatch(slots.size());
        for (Slot slot : slots) {
            refill.submit(() -> fill(slot, tried::countDown));
        }
        try {
            // One attempt ends within the start timeout; the margin covers the launch itself.
            if (!tried.await(settings.startTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
                LOG.warnf(
                        "not every child started within %s; they are retried in the background",
                        settings.startTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return this;
    }

    /** Waits for an idle slot with a live child. */
    public Slot borrow() throws InterruptedException {
        return idle.take();
    }

    /** An idle slot within {@code timeout}, or null. */
    public Slot borrow(Duration timeout) throws InterruptedException {
        return idle.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Gives a slot back; a child that is no longer usable or ran its quota is replaced first. */
    public void release(Slot slot) {
        ChildProcess child = slot.child;
        if (closed) {
            child.kill("pool-closed");
            return;
        }
        if (!child.isUsable()) {
            evict(slot, child.retiredFor());
        } else if (child.jobsRun() >= settings.recycleAfterJobs()) {
            evict(slot, "recycled");
        } else {
            idle.add(slot);
        }
    }

    private void evict(Slot slot, String reason) {
        ChildProcess child = slot.child;
        alive.decrementAndGet();
        evictions.computeIfAbsent(reason, r -> new LongAdder()).increment();
        LOG.debugf("evicting %s: %s", child, reason);
        refill.submit(() -> {
            if ("recycled".equals(reason)) {
                child.retire(reason);
            } else {
                child.kill(reason);
            }
            fill(slot, () -> {});
        });
    }

    /**
     * Starts a child for the slot, retrying with backoff until it starts or the pool closes; {@code
     * firstAttemptDone} runs once, after the first attempt.
     */
    private void fill(Slot slot, Runnable firstAttemptDone) {
        RetryPause pause = new RetryPause(Duration.ofMillis(100), Duration.ofSeconds(10));
        Runnable afterAttempt = firstAttemptDone;
        while (!closed) {
            try {
                slot.child = ChildProcess.start(
                        launcher,
                        settings.maxFrameBytes(),
                        settings.maxStderrBytes(),
                        settings.stderrTailBytes(),
                        settings.startTimeout());
                alive.incrementAndGet();
                if (slot.failing) {
                    slot.failing = false;
                    failing.decrementAndGet();
                }
                if (closed) {
                    slot.child.kill("pool-closed");
                } else {
                    idle.add(slot);
                }
                afterAttempt.run();
                return;
            } catch (Exception e) {
                evictions.computeIfAbsent("start-failed", r -> new LongAdder()).increment();
                lastStartFailure = e.getMessage();
                if (!slot.failing) {
                    slot.failing = true;
                    failing.incrementAndGet();
                }
                LOG.warnf(
                        "child for slot %d did not start, retrying in %d ms: %s",
                        slot.index, pause.nextMillis(), e.getMessage());
                afterAttempt.run();
                afterAttempt = () -> {};
                if (!pause.pause()) {
                    return;
                }
            }
        }
    }

    public int size() {
        return settings.size();
    }

    /** Slots whose child is running (idle or busy). */
    public int alive() {
        return alive.get();
    }

    /**
     * Whether the pool can take work: some slot has a live child or is getting a fresh one (the
     * replacement of a recycled or evicted child, which starts within a second). False once every
     * slot's last start failed: {@link #alive()} alone would also say no while every child is
     * being recycled at once, as a pool's children that ran the same number of jobs are.
     */
    public boolean canServe() {
        return !closed && failing.get() < settings.size();
    }

    public int idle() {
        return idle.size();
    }

    /** Why the last child that failed to start did, if one did. */
    public Optional<String> lastStartFailure() {
        return Optional.ofNullable(lastStartFailure);
    }

    /**
     * Children replaced so far, by reason: {@code timeout}, {@code stopped} (cancel, lost lease,
     * shutdown), {@code crashed}, {@code memory-limit}, {@code output-limit}, {@code
     * protocol-error}, {@code exited}, {@code recycled}, {@code start-failed}.
     */
    public Map<String, Long> evictions() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        evictions.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }

    /** Process ids of the live children, for tests and diagnostics. */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (Slot slot : slots) {
            ChildProcess c = slot.child;
            if (c != null && c.isUsable()) {
                pids.add(c.pid());
            }
        }
        return pids;
    }

    /** Kills every child; slots still lent out are killed when released. */
    @Override
    public void close() {
        closed = true;
        refill.shutdownNow();
        for (Slot slot : slots) {
            ChildProcess c = slot.child;
            if (c != null) {
                c.kill("pool-closed");
            }
        }
        idle.clear();
    }
}
