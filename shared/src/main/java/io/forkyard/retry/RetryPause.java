package io.forkyard.retry;

import java.time.Duration;

/**
 * The one way Forkyard waits before trying again something that failed because a dependency is
 * down (the database, the broker, a child that won't start): a pause that doubles from {@code
 * first} up to {@code max} and starts over after a success. Not thread-safe: one per retrying loop.
 */
public final class RetryPause {

    private final long firstMillis;
    private final long maxMillis;
    private long nextMillis;

    public RetryPause(Duration first, Duration max) {
        this.firstMillis = Math.max(1, first.toMillis());
        this.maxMillis = Math.max(firstMillis, max.toMillis());
        this.nextMillis = firstMillis;
    }

    /** The pause the next {@link #pause()} will take. */
    public long nextMillis() {
        return nextMillis;
    }

    /** Sleeps the next pause, then doubles it; false when interrupted (the interrupt flag is kept). */
    public boolean pause() {
        long millis = nextMillis;
        nextMillis = Math.min(maxMillis, nextMillis * 2);
        return sleep(Duration.ofMillis(millis));
    }

    /** The next failure waits {@code first} again. */
    public void reset() {
        nextMillis = firstMillis;
    }

    /** Sleeps; false when interrupted, with the thread's interrupt flag set again. */
    public static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
