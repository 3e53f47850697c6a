package io.forkyard.worker.run;

import io.forkyard.job.JobRepository;
import io.forkyard.worker.pool.ChildListener;

/** Passes a child's progress frames to the job row and the job's stop reason to the child's runner. */
final class ProgressListener implements ChildListener {

    private final JobRepository jobs;
    private final RunningJob job;

    ProgressListener(JobRepository jobs, RunningJob job) {
        this.jobs = jobs;
        this.job = job;
    }

    @Override
    public void progress(int percent, String message) {
        try {
            jobs.progress(job.claim.id(), job.claim.leaseToken(), percent, message);
        } catch (RuntimeException e) {
            // progress is best effort; the outcome write retries on its own
        }
    }

    @Override
    public String stopReason() {
        return job.stopReason();
    }
}
