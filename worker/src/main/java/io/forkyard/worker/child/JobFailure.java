package io.forkyard.worker.child;

/** A failure a handler reports on purpose, with a stable code such as {@code INVALID_INPUT}. */
public class JobFailure extends Exception {

    private static final long serialVersionUID = 1L;
    private final String code;
    private final boolean retryable;

    public JobFailure(String code, String message, boolean retryable) {
        super(message, null, false, false);
        this.code = code;
        this.retryable = retryable;
    }

    public String code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }
}
