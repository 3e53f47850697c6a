package io.forkyard.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.UUID;
import org.jboss.logging.MDC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JobMdcTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";

    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void aTracedJobsLinesCarryItsIdAttemptTraceAndSpanUntilClosed() {
        HeldJob job = TestJobs.buffered(claim(2));
        job.trace(Context.root()
                .with(Span.wrap(SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault()))));
        MDC.put("jobId", "outer");

        try (JobMdc mdc = JobMdc.of(job)) {
            assertThat(MDC.get("jobId")).isEqualTo(job.claim().id().toString());
            assertThat(MDC.get("attempt")).isEqualTo("2");
            assertThat(MDC.get("traceId")).isEqualTo(TRACE);
            assertThat(MDC.get("spanId")).isEqualTo(SPAN);
        }

        assertThat(MDC.get("jobId")).isEqualTo("outer");
        assertThat(MDC.get("attempt")).isNull();
        assertThat(MDC.get("traceId")).isNull();
        assertThat(MDC.get("spanId")).isNull();
    }

    @Test
    void anUntracedJobLeavesNoTraceIdNotEvenOneOpenedAroundIt() {
        HeldJob traced = TestJobs.buffered(claim(1));
        traced.trace(Context.root()
                .with(Span.wrap(SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault()))));
        try (JobMdc outer = JobMdc.of(traced)) {
            try (JobMdc inner = JobMdc.of(TestJobs.buffered(claim(1)))) {
                assertThat(MDC.get("traceId")).isNull();
            }
            assertThat(MDC.get("traceId")).isEqualTo(TRACE);
        }
    }

    private static ClaimedJob claim(int attempt) {
        return new ClaimedJob(
                UUID.randomUUID(),
                "noop",
                "{}",
                attempt,
                3,
                30,
                UUID.randomUUID(),
                Instant.now(),
                Instant.now(),
                0,
                false);
    }
}
