package io.forkyard.web;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread of one of the web tier's background loops (the outbox and event relays, the schedule
 * ticker, the callback relay): a daemon thread that runs {@code body} until stopped, which sleeps
 * with {@link #sleep} and is woken early by {@link #wakeUp} or {@link #stop}.
 */
public final class BackgroundLoop {

    private final String name;
    private volatile boolean running;
    private volatile Thread thread;

    public BackgroundLoop(String name) {
        this.name = name;
    }

    /** Starts the thread; {@code body} loops while {@link #running()}. */
    public void start(Runnable body) {
        running = true;
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    public boolean running() {
        return running;
    }

    /** Asks the loop to end and waits up to {@code patience} for it. */
    public void stop(Duration patience) {
        running = false;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(patience.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Ends the loop's current sleep now. */
    public void wakeUp() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Sleeps up to {@code nanos}, less when woken. For the loop's own thread. */
    public static void sleep(long nanos) {
        LockSupport.parkNanos(Math.max(0, nanos));
    }
}
