package io.forkyard.job;

import java.util.EnumSet;
import java.util.Set;

/**
 * The one state machine of a job. {@code QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED}, plus
 * {@code RUNNING → QUEUED} (retry or rescued orphan), {@code QUEUED → CANCELLED}, and {@code FAILED |
 * CANCELLED → QUEUED} (a manual retry). Every statement that changes a status names the source state
 * it expects, and its class checks the transitions it makes against this table when it loads.
 */
public enum JobStatus {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public Set<JobStatus> successors() {
        return switch (this) {
            case QUEUED -> EnumSet.of(RUNNING, CANCELLED);
            case RUNNING -> EnumSet.of(SUCCEEDED, FAILED, CANCELLED, QUEUED);
            case FAILED, CANCELLED -> EnumSet.of(QUEUED);
            case SUCCEEDED -> EnumSet.noneOf(JobStatus.class);
        };
    }

    public boolean canMoveTo(JobStatus next) {
        return successors().contains(next);
    }

    /** A finished job: nothing runs it any more until someone retries it. */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** Throws unless {@code from → to} is a legal transition; guards every verb's SQL. */
    public static void requireTransition(JobStatus from, JobStatus to) {
        if (!from.canMoveTo(to)) {
            throw new IllegalStateException("illegal job transition " + from + " -> " + to);
        }
    }
}
