package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** {@code sleep}: waits {@code millis} on a virtual thread in the worker; returns {@code {}}. */
public final class SleepType extends BaseJobType {

    public static final String NAME = "sleep";
    public static final long MAX_MILLIS = Duration.ofHours(1).toMillis();

    public SleepType() {
        super(NAME, Nature.IO, Duration.ofHours(1).plusMinutes(1), 3);
    }

    @Override
    public void validate(JsonNode input, Violations violations) {
        if (violations.requireObject(input)) {
            violations.requireLong(input, "millis", 0, MAX_MILLIS);
        }
    }
}
