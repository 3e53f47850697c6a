package io.forkyard.worker.run;

import io.forkyard.messaging.Topics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The prefetch buffer of one runner: claimed jobs waiting for a free slot, the highest priority
 * first and, within a priority, in claim order (README "Priorities"). A job
 * leaves it either taken by a slot or withdrawn (cancel, lost lease, hand-back, shutdown); {@link
 * HeldJob}'s compare-and-set decides which, so a withdrawn job is skipped when a slot meets it.
 */
final class JobBuffer {

    static final Comparator<HeldJob> ORDER =
            Comparator.comparingInt((HeldJob j) -> -j.claim().priority()).thenComparingLong(HeldJob::order);

    private final PriorityBlockingQueue<HeldJob> queue = new PriorityBlockingQueue<>(64, ORDER);
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger urgent = new AtomicInteger();

    void add(HeldJob job) {
        waiting.incrementAndGet();
        if (isUrgent(job)) {
            urgent.incrementAndGet();
        }
        queue.add(job);
    }

    private static boolean isUrgent(HeldJob job) {
        return job.claim().priority() >= Topics.URGENT_PRIORITY;
    }

    private void left(HeldJob job) {
        waiting.decrementAndGet();
        if (isUrgent(job)) {
            urgent.decrementAndGet();
        }
    }

    /** Urgent jobs (README "Priorities") waiting for a slot. */
    int urgentWaiting() {
        return urgent.get();
    }

    /** The next job for a free slot, started; null if none came within the timeout. */
    HeldJob take(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            HeldJob job = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (job == null) {
                return null;
            }
            if (job.start()) {
                left(job);
                return job;
            }
        }
    }

    /** Withdraws the job if it is still waiting here; true when it did. */
    boolean withdraw(HeldJob job) {
        if (!job.withdraw()) {
            return false;
        }
        left(job);
        queue.remove(job);
        return true;
    }

    /** Withdraws every waiting job, oldest first. */
    List<HeldJob> withdrawAll() {
        List<HeldJob> withdrawn = new ArrayList<>();
        List<HeldJob> all = new ArrayList<>(queue);
        all.sort(Comparator.comparingLong(HeldJob::order));
        for (HeldJob job : all) {
            if (withdraw(job)) {
                withdrawn.add(job);
            }
        }
        return withdrawn;
    }

    /** Jobs waiting for a slot. */
    int waiting() {
        return waiting.get();
    }

    /** The waiting jobs, oldest first (a snapshot). */
    List<HeldJob> snapshot() {
        List<HeldJob> jobs = new ArrayList<>(queue);
        jobs.removeIf(j -> j.state() != HeldJob.State.BUFFERED);
        jobs.sort(Comparator.comparingLong(HeldJob::order));
        return jobs;
    }
}
