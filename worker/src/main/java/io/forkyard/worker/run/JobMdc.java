package io.forkyard.worker.run;

import org.jboss.logging.MDC;

/**
 * Puts a job's id and attempt into the logging MDC for as long as it is open, so that every line
 * logged about the job carries them: as the fields {@code jobId} and {@code attempt} of the JSON
 * log (production), and by {@code %X} in a text format. Closing puts back what was there before.
 */
public final class JobMdc implements AutoCloseable {

    static final String JOB_ID = "jobId";
    static final String ATTEMPT = "attempt";

    private final Object previousId;
    private final Object previousAttempt;

    private JobMdc(ClaimedJob claim) {
        previousId = MDC.put(JOB_ID, claim.id().toString());
        previousAttempt = MDC.put(ATTEMPT, Integer.toString(claim.attempt()));
    }

    /** Opens the job's context on this thread: {@code try (var mdc = JobMdc.of(job)) { LOG... }}. */
    public static JobMdc of(HeldJob job) {
        return new JobMdc(job.claim());
    }

    @Override
    public void close() {
        restore(JOB_ID, previousId);
        restore(ATTEMPT, previousAttempt);
    }

    private static void restore(String key, Object previous) {
        if (previous == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, previous);
        }
    }
}
