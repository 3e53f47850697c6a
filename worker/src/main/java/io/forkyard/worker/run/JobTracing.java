package io.forkyard.worker.run;

import io.forkyard.trace.TraceParent;
import io.forkyard.worker.pool.ChildOutcome;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Instant;

/**
 * The worker's spans of a traced job (README "Tracing"): {@code claim <topic>} (from the fetch of
 * its record to the claim's commit; its parent is the web tier's publish span, from the record's
 * {@code traceparent} header), {@code run <type>} (the run, in a child process or not) and {@code
 * outcome <type>} (from the hand-over to the completer to the commit of the outcome). Each is the
 * child of the one before, through {@link HeldJob#trace()}. A job whose record has no traceparent
 * makes no spans.
 */
@Singleton
public class JobTracing {

    private final Tracer tracer;

    @Inject
    public JobTracing(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Tracing that makes no spans: for tests that build the worker's parts by hand. */
    public static JobTracing off() {
        return new JobTracing(OpenTelemetry.noop().getTracer("forkyard-worker"));
    }

    /**
     * The claim of a job whose record was fetched at {@code fetchedAt}; it just committed. {@code
     * parent}: the job's publish span, from its record (the root context: untraced).
     */
    public void claimed(HeldJob job, String topic, Context parent, Instant fetchedAt) {
        if (!TraceParent.traced(parent)) {
            return;
        }
        Span span = span("claim " + topic, job, parent, SpanKind.CONSUMER)
                .setStartTimestamp(fetchedAt)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.operation.type", "process")
                .startSpan();
        span.end();
        job.trace(parent.with(span));
    }

    /** Starts the run of a job; the caller ends it with {@link #ran}. */
    Span run(HeldJob job) {
        Context parent = job.trace();
        if (!TraceParent.traced(parent)) {
            return Span.getInvalid();
        }
        Span span = span("run " + job.claim().type(), job, parent, SpanKind.INTERNAL)
                .setAttribute("forkyard.pool", job.pool())
                .startSpan();
        job.trace(parent.with(span));
        return span;
    }

    /** Ends a run span with what the run came to. */
    static void ran(Span span, ChildOutcome outcome) {
        if (outcome instanceof ChildOutcome.Failure failure) {
            span.setAttribute("forkyard.run.outcome", failure.code().name())
                    .setStatus(StatusCode.ERROR, failure.message());
        } else {
            span.setAttribute(
                    "forkyard.run.outcome", outcome instanceof ChildOutcome.Stopped ? "STOPPED" : "SUCCEEDED");
        }
        span.end();
    }

    /** Starts the write of a job's outcome; the completer ends it after the commit. */
    public Span outcome(HeldJob job, String tag) {
        Context parent = job.trace();
        if (!TraceParent.traced(parent)) {
            return Span.getInvalid();
        }
        return span("outcome " + job.claim().type(), job, parent, SpanKind.INTERNAL)
                .setAttribute("forkyard.outcome", tag)
                .startSpan();
    }

    private SpanBuilder span(String name, HeldJob job, Context parent, SpanKind kind) {
        ClaimedJob claim = job.claim();
        return tracer.spanBuilder(name)
                .setParent(parent)
                .setSpanKind(kind)
                .setAttribute("forkyard.job.id", claim.id().toString())
                .setAttribute("forkyard.job.type", claim.type())
                .setAttribute("forkyard.job.attempt", claim.attempt());
    }
}
