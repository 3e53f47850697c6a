package io.forkyard.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class TraceParentTest {

    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String SPAN = "b7ad6b7169203331";

    private static Context withSpan(String spanId) {
        return Context.root()
                .with(Span.wrap(SpanContext.create(TRACE, spanId, TraceFlags.getSampled(), TraceState.getDefault())));
    }

    @Test
    void aSpanBecomesAW3cTraceParentAndBack() {
        String traceParent = TraceParent.of(withSpan(SPAN));

        assertThat(traceParent).isEqualTo("00-" + TRACE + "-" + SPAN + "-01");
        SpanContext parsed = Span.fromContext(TraceParent.parse(traceParent)).getSpanContext();
        assertThat(parsed.getTraceId()).isEqualTo(TRACE);
        assertThat(parsed.getSpanId()).isEqualTo(SPAN);
        assertThat(parsed.isRemote()).isTrue();
        assertThat(parsed.isSampled()).isTrue();
    }

    @Test
    void noSpanIsNoTraceParentAndNoTraceParentIsNotTraced() {
        assertThat(TraceParent.of(Context.root())).isNull();
        assertThat(TraceParent.traced(TraceParent.parse(null))).isFalse();
        assertThat(TraceParent.traced(TraceParent.parse("not a traceparent"))).isFalse();
        assertThat(TraceParent.traced(TraceParent.parse("00-" + TRACE + "-" + SPAN + "-01")))
                .isTrue();
    }

    @Test
    void recordHeadersCarryTheSpanAndAPublishAgainReplacesIt() {
        RecordHeaders headers = new RecordHeaders();
        assertThat(TraceParent.traced(TraceParent.extract(headers))).isFalse();

        TraceParent.inject(withSpan(SPAN), headers);
        TraceParent.inject(withSpan("00f067aa0ba902b7"), headers);

        assertThat(headers.headers(TraceParent.HEADER)).hasSize(1);
        SpanContext extracted = Span.fromContext(TraceParent.extract(headers)).getSpanContext();
        assertThat(extracted.getTraceId()).isEqualTo(TRACE);
        assertThat(extracted.getSpanId()).isEqualTo("00f067aa0ba902b7");
    }
}
