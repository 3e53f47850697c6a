package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** {@code sleep}: waits {@code millis} on a virtual thread in the worker; returns {@code {}}. */
public final class SleepType implements JobType {

    public static final String NAME = "sleep";
    public static final long MAX_MILLIS = Duration.ofHours(1).toMillis();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Nature nature() {
        return Nature.IO;
    }

    @Override
    public Duration defaultTimeout() {
        return Duration.ofHours(1).plusMinutes(1);
    }

    @Override
    public int defaultMaxAttempts() {
        return 3;
    }

    @Override
    public void validate(JsonNode input, Violations violations) {
        if (violations.requireObject(input)) {
            violations.requireLong(input, "millis", 0, MAX_MILLIS);
        }
    }
}
