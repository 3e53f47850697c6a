package io.forkyard.worker.run;

import io.forkyard.job.JobRepository.ClaimedJob;
import java.util.concurrent.atomic.AtomicReference;

/** One claimed attempt while it runs: its lease, and why it must stop, if it must. */
final class RunningJob {

    static final String CANCELLED = "cancelled";
    static final String LEASE_LOST = "lease lost";
    static final String SHUTDOWN = "worker shutting down";

    final ClaimedJob claim;
    private final AtomicReference<String> stopReason = new AtomicReference<>();

    RunningJob(ClaimedJob claim) {
        this.claim = claim;
    }

    /** Asks the job to stop; the first reason wins. */
    void stop(String reason) {
        stopReason.compareAndSet(null, reason);
    }

    String stopReason() {
        return stopReason.get();
    }

    @Override
    public String toString() {
        return "Job(id=" + claim.id() + ", type=" + claim.type() + ", attempt=" + claim.attempt() + ")";
    }
}
