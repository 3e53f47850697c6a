package io.forkyard.worker.run;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * I/O-bound jobs: each runs on a virtual thread of its own (a platform thread on Java 17), at most
 * {@code io-concurrency} at once. They hold no child. A job waits in the buffer while every permit
 * is taken, where a cancel or a shutdown can still withdraw it.
 */
final class IoRunner extends Runner {

    private final ExecutorService threads = IoExecutor.create();
    private final Semaphore permits;
    private final int concurrency;

    IoRunner(int concurrency, JobExecution execution, Completion completion, Runnable slotFreed) {
        super("io", execution, completion, slotFreed);
        this.concurrency = concurrency;
        this.permits = new Semaphore(concurrency);
    }

    @Override
    int slots() {
        return concurrency;
    }

    @Override
    boolean canRun() {
        return true;
    }

    /** One task per job; it takes whichever buffered job is oldest once it holds a permit. */
    @Override
    void offer(HeldJob job) {
        buffer.add(job);
        threads.execute(() -> {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                return;
            }
            try {
                HeldJob next = buffer.take(0);
                if (next != null) {
                    run(next, null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                permits.release();
            }
        });
    }

    @Override
    void start() {}

    @Override
    void close() {
        threads.shutdown();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        threads.shutdownNow();
    }
}
