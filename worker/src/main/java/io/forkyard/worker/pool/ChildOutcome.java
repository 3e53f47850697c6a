package io.forkyard.worker.pool;

import com.fasterxml.jackson.databind.JsonNode;

/** How one request to a child ended. */
public sealed interface ChildOutcome {

    /** The child answered with a result. */
    record Success(JsonNode result) implements ChildOutcome {}

    /**
     * The job failed. {@code code} is stable ({@code TIMEOUT}, {@code CHILD_CRASHED}, ...); {@code
     * retryable} says whether another attempt can succeed.
     */
    record Failure(String code, String message, boolean retryable) implements ChildOutcome {}

    /** Stopped on request (cancel, lost lease, shutdown); the child was killed. */
    record Stopped(String reason) implements ChildOutcome {}
}
