package io.forkyard.worker.pool;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;

/** How one request to a child ended. */
public sealed interface ChildOutcome {

    /** The child answered with a result. */
    record Success(JsonNode result) implements ChildOutcome {}

    /**
     * The job failed with {@code code}; {@code retryable} says whether another attempt can succeed
     * (the code's default unless the child said otherwise).
     */
    record Failure(FailureCode code, String message, boolean retryable) implements ChildOutcome {

        /** A failure that is retried or not as its code says. */
        public static Failure of(FailureCode code, String message) {
            return new Failure(code, message, code.retryable());
        }
    }

    /** Stopped on request (cancel, lost lease, shutdown): the child was killed, nothing to report. */
    record Stopped() implements ChildOutcome {}
}
