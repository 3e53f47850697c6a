package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * A job type as both sides see it: its name, where it runs, its defaults, and how its input is
 * validated. The web tier validates with it before anything is written; the worker validates
 * again before running (the row may come from an older web tier). Handlers live in the worker.
 *
 * <p>Adding a type means one class implementing this interface, listed in {@code
 * META-INF/services/io.forkyard.jobtype.JobType}, plus its handler in the worker; neither the pool
 * nor the API changes.
 */
public interface JobType {

    /** Where a job of this type runs. */
    enum Nature {
        /** CPU-bound: in a child process of the worker's pool. */
        CPU,
        /** I/O-bound: on a virtual thread inside the worker. */
        IO,
        /** Runs an operator-allowed program as a process of its own. */
        PROCESS
    }

    String name();

    Nature nature();

    Duration defaultTimeout();

    int defaultMaxAttempts();

    /** Adds a violation per problem in {@code input}; adds nothing when the input is valid. */
    void validate(JsonNode input, Violations violations);
}
