package io.forkyard.jobtype;

import java.time.Duration;

/** A job type's fixed facts, so a type only has to say how its input is validated. */
public abstract class BaseJobType implements JobType {

    private final String name;
    private final Nature nature;
    private final Duration defaultTimeout;
    private final int defaultMaxAttempts;

    protected BaseJobType(String name, Nature nature, Duration defaultTimeout, int defaultMaxAttempts) {
        this.name = name;
        this.nature = nature;
        this.defaultTimeout = defaultTimeout;
        this.defaultMaxAttempts = defaultMaxAttempts;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Nature nature() {
        return nature;
    }

    @Override
    public final Duration defaultTimeout() {
        return defaultTimeout;
    }

    @Override
    public final int defaultMaxAttempts() {
        return defaultMaxAttempts;
    }
}
