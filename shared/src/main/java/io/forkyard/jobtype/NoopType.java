package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** {@code noop}: accepts any input, does nothing in a child, returns {@code {}}. For benchmarks. */
public final class NoopType extends BaseJobType {

    public static final String NAME = "noop";

    public NoopType() {
        super(NAME, Nature.CPU, Duration.ofSeconds(30), 3);
    }

    @Override
    public void validate(JsonNode input, Violations violations) {
        // anything goes
    }
}
