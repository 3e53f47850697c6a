package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** {@code noop}: accepts any input, does nothing in a child, returns {@code {}}. For benchmarks. */
public final class NoopType implements JobType {

    public static final String NAME = "noop";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Nature nature() {
        return Nature.CPU;
    }

    @Override
    public Duration defaultTimeout() {
        return Duration.ofSeconds(30);
    }

    @Override
    public int defaultMaxAttempts() {
        return 3;
    }

    @Override
    public void validate(JsonNode input, Violations violations) {
        // anything goes
    }
}
