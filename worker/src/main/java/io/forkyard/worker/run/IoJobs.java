package io.forkyard.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;
import io.forkyard.jobtype.SleepType;
import io.forkyard.messaging.Json;
import io.forkyard.worker.pool.ChildOutcome;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Job types of I/O nature, run inside the worker rather than in a child. */
final class IoJobs {

    private static final long CHECK_MILLIS = 50;

    private IoJobs() {}

    static ChildOutcome run(String type, JsonNode input, Duration timeout, BooleanSupplier stopRequested)
            throws InterruptedException {
        if (!SleepType.NAME.equals(type)) {
            return ChildOutcome.Failure.of(FailureCode.UNKNOWN_TYPE, "no in-worker handler for type '" + type + "'");
        }
        long millis = input.get("millis").asLong();
        long end = System.nanoTime() + millis * 1_000_000;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (System.nanoTime() >= deadline) {
                return ChildOutcome.Failure.of(
                        FailureCode.TIMEOUT, "the job ran longer than its timeout of " + timeout.toSeconds() + " s");
            }
            if (stopRequested.getAsBoolean()) {
                return new ChildOutcome.Stopped();
            }
            Thread.sleep(Math.max(1, Math.min(CHECK_MILLIS, (end - System.nanoTime()) / 1_000_000)));
        }
        return new ChildOutcome.Success(Json.MAPPER.createObjectNode());
    }
}
