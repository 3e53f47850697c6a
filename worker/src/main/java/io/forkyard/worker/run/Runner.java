package io.forkyard.worker.run;

import io.forkyard.worker.complete.Outcome;
import io.forkyard.worker.pool.ChildPool;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where claimed jobs of one kind wait and run: a prefetch buffer and the slots that take from it.
 * A slot hands its outcome to the completer and takes its next job at once, without waiting for
 * the outcome's commit.
 */
abstract class Runner {

    final String name;
    final JobBuffer buffer = new JobBuffer();
    private final AtomicInteger busy = new AtomicInteger();
    private final JobExecution execution;
    private final Completion completion;
    private final Runnable slotFreed;

    Runner(String name, JobExecution execution, Completion completion, Runnable slotFreed) {
        this.name = name;
        this.execution = execution;
        this.completion = completion;
        this.slotFreed = slotFreed;
    }

    /** Slots that may run a job at once. */
    abstract int slots();

    /**
     * Whether a job given to this runner now can start soon (its pool has a live child, or one being
     * replaced).
     */
    abstract boolean canRun();

    abstract void offer(HeldJob job);

    abstract void start();

    abstract void close();

    /** Slots running a job now. */
    final int busy() {
        return busy.get();
    }

    final int free() {
        return Math.max(0, slots() - busy.get());
    }

    /** Runs a job a slot just took, on the slot's thread, and hands its outcome on. */
    final void run(HeldJob job, ChildPool pool) {
        busy.incrementAndGet();
        try {
            Outcome.of(job, execution.run(job, pool))
                    .ifPresentOrElse(completion::complete, () -> completion.forget(job));
        } finally {
            busy.decrementAndGet();
            slotFreed.run();
        }
    }
}
