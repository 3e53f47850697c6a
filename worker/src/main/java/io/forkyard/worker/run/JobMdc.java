package io.forkyard.worker.run;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.jboss.logging.MDC;

/**
 * Puts a job's id and attempt into the logging MDC for as long as it is open, so that every line
 * logged about the job carries them: as the fields {@code jobId} and {@code attempt} of the JSON
 * log (production), and by {@code %X} in a text format. A traced job's lines also carry {@code
 * traceId} and {@code spanId} (its latest span here, README "Tracing"). Closing puts back what was
 * there before.
 */
public final class JobMdc implements AutoCloseable {

    static final String JOB_ID = "jobId";
    static final String ATTEMPT = "attempt";
    static final String TRACE_ID = "traceId";
    static final String SPAN_ID = "spanId";

    private final Object previousId;
    private final Object previousAttempt;
    private final Object previousTraceId;
    private final Object previousSpanId;

    private JobMdc(String id, String attempt, SpanContext span) {
        previousId = put(JOB_ID, id);
        previousAttempt = put(ATTEMPT, attempt);
        previousTraceId = put(TRACE_ID, span.isValid() ? span.getTraceId() : null);
        previousSpanId = put(SPAN_ID, span.isValid() ? span.getSpanId() : null);
    }

    /** Opens the job's context on this thread: {@code try (var mdc = JobMdc.of(job)) { LOG... }}. */
    public static JobMdc of(HeldJob job) {
        ClaimedJob claim = job.claim();
        return new JobMdc(
                claim.id().toString(),
                Integer.toString(claim.attempt()),
                Span.fromContext(job.trace()).getSpanContext());
    }

    /** A context that names only a job's id, for a line about a job not held here, such as its record's. */
    public static JobMdc ofId(String jobId) {
        return new JobMdc(jobId, null, SpanContext.getInvalid());
    }

    @Override
    public void close() {
        put(JOB_ID, previousId);
        put(ATTEMPT, previousAttempt);
        put(TRACE_ID, previousTraceId);
        put(SPAN_ID, previousSpanId);
    }

    /** Sets or (null) removes a key; answers what it held. */
    private static Object put(String key, Object value) {
        if (value != null) {
            return MDC.put(key, value);
        }
        Object previous = MDC.get(key);
        MDC.remove(key);
        return previous;
    }
}
