package io.forkyard.worker.run;

/** Test access to a held job's life in a slot. */
public final class TestJobs {

    private TestJobs() {}

    /** The claimed job, taken by a slot, having reported {@code percent} progress. */
    public static HeldJob running(ClaimedJob claim, int percent, String message) {
        HeldJob job = new HeldJob(claim, JobRunners.DEFAULT);
        job.start();
        job.progress(percent, message);
        return job;
    }

    /** The claimed job, still waiting in a buffer. */
    public static HeldJob buffered(ClaimedJob claim) {
        return new HeldJob(claim, JobRunners.DEFAULT);
    }
}
