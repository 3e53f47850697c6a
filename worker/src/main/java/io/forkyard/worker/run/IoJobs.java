package io.forkyard.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.jobtype.SleepType;
import io.forkyard.messaging.Json;
import io.forkyard.worker.pool.ChildOutcome;
import java.time.Duration;
import java.util.function.Supplier;

/** Job types of I/O nature, run inside the worker rather than in a child. */
final class IoJobs {

    private static final long CHECK_MILLIS = 50;

    private IoJobs() {}

    static ChildOutcome run(String type, JsonNode input, Duration timeout, Supplier<String> stopReason)
            throws InterruptedException {
        if (!SleepType.NAME.equals(type)) {
            return new ChildOutcome.Failure("UNKNOWN_TYPE", "no in-worker handler for type '" + type + "'", false);
        }
        long millis = input.get("millis").asLong();
        long end = System.nanoTime() + millis * 1_000_000;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (System.nanoTime() >= deadline) {
                return new ChildOutcome.Failure(
                        "TIMEOUT", "the job ran longer than its timeout of " + timeout.toSeconds() + " s", true);
            }
            String stop = stopReason.get();
            if (stop != null) {
                return new ChildOutcome.Stopped(stop);
            }
            Thread.sleep(Math.max(1, Math.min(CHECK_MILLIS, (end - System.nanoTime()) / 1_000_000)));
        }
        return new ChildOutcome.Success(Json.MAPPER.createObjectNode());
    }
}
