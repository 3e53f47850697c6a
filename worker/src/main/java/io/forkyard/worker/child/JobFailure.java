package io.forkyard.worker.child;

import io.forkyard.job.FailureCode;

/**
 * A failure a handler reports on purpose, with a stable code and whether another attempt can
 * succeed (the code's default unless the handler knows better). Both travel to the worker.
 */
public class JobFailure extends Exception {

    private static final long serialVersionUID = 1L;
    private final FailureCode code;
    private final boolean retryable;

    public JobFailure(FailureCode code, String message, boolean retryable) {
        super(message, null, false, false);
        this.code = code;
        this.retryable = retryable;
    }

    /** A failure retried or not as its code says. */
    public JobFailure(FailureCode code, String message) {
        this(code, message, code.retryable());
    }

    public FailureCode code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }
}
