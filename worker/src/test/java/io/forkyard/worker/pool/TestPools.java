package io.forkyard.worker.pool;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.testing.Processes;
import java.time.Duration;
import java.util.UUID;

/** What the pool tests share: small settings, one request on an idle child, a close that waits. */
public final class TestPools {

    private static final Duration IDLE_CHILD_WAIT = Duration.ofSeconds(30);

    private TestPools() {}

    /** {@code size} children recycled after {@code recycleAfterJobs}; 1 MiB frames and stderr. */
    public static ChildPool.Settings settings(int size, int recycleAfterJobs) {
        return settings(size, recycleAfterJobs, Duration.ofSeconds(30));
    }

    /** As {@link #settings(int, int)}, waiting at most {@code startTimeout} for a new child's {@code ready}. */
    public static ChildPool.Settings settings(int size, int recycleAfterJobs, Duration startTimeout) {
        return new ChildPool.Settings(size, recycleAfterJobs, 1 << 20, 1 << 20, 4096, startTimeout);
    }

    /** A request's outcome, and the pid of the child that ran it. */
    public record Ran(long pid, ChildOutcome outcome) {}

    /**
     * Runs one request on an idle child and gives the child back; fails, rather than hangs, when no
     * child becomes idle within 30 s.
     */
    public static ChildOutcome run(ChildPool pool, String type, JsonNode input, Duration timeout)
            throws InterruptedException {
        return runOnIdleChild(pool, UUID.randomUUID().toString(), type, input, timeout, ChildListener.NONE)
                .outcome();
    }

    /** As {@link #run}, with the request id and listener given, and saying which child ran it. */
    public static Ran runOnIdleChild(
            ChildPool pool, String requestId, String type, JsonNode input, Duration timeout, ChildListener listener)
            throws InterruptedException {
        ChildPool.Slot slot = pool.borrow(IDLE_CHILD_WAIT);
        if (slot == null) {
            throw new AssertionError("no child of the pool became idle within " + IDLE_CHILD_WAIT);
        }
        try {
            return new Ran(slot.pid(), slot.run(requestId, type, input, timeout, listener));
        } finally {
            pool.release(slot);
        }
    }

    /** Closes the pool and waits until no process carrying {@code marker} is left. */
    public static void close(ChildPool pool, String marker) {
        pool.close();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Processes.withMarker(marker).isEmpty());
    }
}
