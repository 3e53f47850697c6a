package io.forkyard.job;

import java.util.Optional;

/**
 * Every way an attempt can fail, as users see it in {@code error.code}: the closed vocabulary of
 * STYLE.md. Each code says whether another attempt can succeed and what the failure does to the
 * child process that ran the job. Code compares these constants, never message text or strings;
 * the name is the stable word on the wire (child frames, the job row, the API).
 */
public enum FailureCode {
    /** The input is wrong for the job type; the same input fails the same way, so never retried. */
    INVALID_INPUT(false, null),
    /** The handler failed in a way it did not classify; retried unless the child says otherwise. */
    JOB_ERROR(true, null),
    /** No worker here has a handler for the job's type. */
    UNKNOWN_TYPE(false, null),
    /** The job ran past its timeout; its process tree was killed. */
    TIMEOUT(true, "timeout"),
    /** The child exited or was killed by a signal while running the job. */
    CHILD_CRASHED(true, "crashed"),
    /** The job exhausted the child's memory; the same input would again, so never retried. */
    MEMORY_LIMIT(false, "memory-limit"),
    /** The job wrote more than its limit to stdout or stderr. */
    OUTPUT_LIMIT(false, "output-limit"),
    /** The child wrote something on stdout that is not a frame of this request. */
    PROTOCOL_ERROR(true, "protocol-error"),
    /** No child of the job's pool was free within {@code pool.slot-wait}. */
    NO_CHILD(true, null),
    /** The worker itself failed while running the job (a bug, not the job's fault). */
    WORKER_ERROR(true, null),
    /** The database refused to store the outcome (e.g. a NUL character in JSON); retrying can't help. */
    OUTCOME_REJECTED(false, null),
    /** The worker running the attempt stopped renewing its lease (it died, hung or lost the database). */
    LEASE_EXPIRED(true, null),
    /** Someone cancelled the job; the code of every cancelled job. */
    CANCELLED(false, "stopped");

    private final boolean retryable;
    private final String childEviction;

    FailureCode(boolean retryable, String childEviction) {
        this.retryable = retryable;
        this.childEviction = childEviction;
    }

    /** Whether another attempt can succeed, unless whoever reports the failure knows better. */
    public boolean retryable() {
        return retryable;
    }

    /**
     * Why the child that ran the job must be replaced (the pool's eviction reason), or empty when it
     * stays in the pool: a child whose job failed cleanly is in a known state.
     */
    public Optional<String> childEviction() {
        return Optional.ofNullable(childEviction);
    }

    /** The code a child or a row names, or empty for a word this vocabulary does not know. */
    public static Optional<FailureCode> of(String code) {
        if (code == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(code));
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();
        }
    }
}
