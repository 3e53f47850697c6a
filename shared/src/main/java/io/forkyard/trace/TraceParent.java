package io.forkyard.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A job's trace context as it travels (README "Tracing"): a W3C {@code traceparent} in the job row
 * (from the submit request) and in the {@code traceparent} header of each dispatch record (from the
 * publish). A job without one is not traced: no process makes spans for it.
 */
public final class TraceParent {

    /** The W3C header, and the Kafka record header of the same name. */
    public static final String HEADER = "traceparent";

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

    private static final TextMapSetter<Map<String, String>> MAP_SETTER = Map::put;
    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
    private static final TextMapSetter<Headers> HEADER_SETTER =
            (headers, key, value) -> headers.remove(key).add(key, value.getBytes(StandardCharsets.US_ASCII));
    private static final TextMapGetter<Headers> HEADER_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            return List.of(HEADER);
        }

        @Override
        public String get(Headers headers, String key) {
            Header header = headers == null ? null : headers.lastHeader(key);
            return header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
        }
    };

    private TraceParent() {}

    /** The traceparent of the span current in {@code context}; null when it has no valid span. */
    public static String of(Context context) {
        if (!traced(context)) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>(2);
        W3C.inject(context, carrier, MAP_SETTER);
        return carrier.get(HEADER);
    }

    /** A context whose (remote) span is the one a traceparent names; the root context for null or garbage. */
    public static Context parse(String traceParent) {
        return traceParent == null
                ? Context.root()
                : W3C.extract(Context.root(), Map.of(HEADER, traceParent), MAP_GETTER);
    }

    /** Writes the span of {@code context} into record headers, replacing any traceparent there. */
    public static void inject(Context context, Headers headers) {
        W3C.inject(context, headers, HEADER_SETTER);
    }

    /** The context a record's traceparent header carries; the root context when it has none. */
    public static Context extract(Headers headers) {
        return W3C.extract(Context.root(), headers, HEADER_GETTER);
    }

    /** Whether {@code context} carries a valid span: a traced job's context. */
    public static boolean traced(Context context) {
        return Span.fromContext(context).getSpanContext().isValid();
    }
}
