package io.forkyard.worker.run;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The prefetch buffer of one runner: claimed jobs in claim order, waiting for a free slot. A job
 * leaves it either taken by a slot or withdrawn (cancel, lost lease, hand-back, shutdown); {@link
 * HeldJob}'s compare-and-set decides which, so a withdrawn job is skipped when a slot meets it.
 */
final class JobBuffer {

    private final LinkedBlockingQueue<HeldJob> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();

    void add(HeldJob job) {
        waiting.incrementAndGet();
        queue.add(job);
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
                waiting.decrementAndGet();
                return job;
            }
        }
    }

    /** Withdraws the job if it is still waiting here; true when it did. */
    boolean withdraw(HeldJob job) {
        if (!job.withdraw()) {
            return false;
        }
        waiting.decrementAndGet();
        queue.remove(job);
        return true;
    }

    /** Withdraws every waiting job, oldest first. */
    List<HeldJob> withdrawAll() {
        List<HeldJob> withdrawn = new ArrayList<>();
        for (HeldJob job : List.copyOf(queue)) {
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
        return jobs;
    }
}
