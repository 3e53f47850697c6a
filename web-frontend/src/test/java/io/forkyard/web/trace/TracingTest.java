package io.forkyard.web.trace;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.messaging.Topics;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.TopicRecords;
import io.forkyard.trace.TraceParent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * The web tier's part of a job's trace (README "Tracing"): the submit request continues the
 * caller's trace, the job row keeps the request's span, and each publish is a child span whose
 * context rides in the record's {@code traceparent} header for the worker to continue.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class TracingTest {

    private static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("forkyard.job.id");

    @Inject
    InMemorySpanExporter spans;

    @Test
    void aSubmitContinuesTheCallersTraceAndThePublishCarriesItToKafka() throws Exception {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String callerSpan = "00f067aa0ba902b7";

        String id = given().contentType(ContentType.JSON)
                .header("traceparent", "00-" + traceId + "-" + callerSpan + "-01")
                .body("{\"type\":\"noop\",\"input\":{},\"queue\":\"traced\"}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");

        SpanData publish = await().atMost(Duration.ofSeconds(20))
                .until(() -> span(traceId, s -> id.equals(s.getAttributes().get(JOB_ID))), Optional::isPresent)
                .orElseThrow();
        SpanData submit = await().atMost(Duration.ofSeconds(5))
                .until(() -> span(traceId, s -> s.getKind() == SpanKind.SERVER), Optional::isPresent)
                .orElseThrow();

        assertThat(submit.getParentSpanId()).isEqualTo(callerSpan);
        assertThat(submit.getName()).isEqualTo("POST /api/jobs");
        assertThat(storedTraceParent(id)).isEqualTo("00-" + traceId + "-" + submit.getSpanId() + "-01");

        String topic = Topics.queue(ForkyardTestResource.topicPrefix(), "traced");
        assertThat(publish.getName()).isEqualTo("publish " + topic);
        assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(publish.getParentSpanId()).isEqualTo(submit.getSpanId());
        assertThat(publish.getAttributes().get(AttributeKey.stringKey("forkyard.queue")))
                .isEqualTo("traced");
        assertThat(publish.getStatus().getStatusCode().name()).isEqualTo("UNSET");

        ConsumerRecord<String, byte[]> record = TopicRecords.lastByKey(
                        ForkyardTestResource.broker().bootstrapServers(), topic)
                .get(id);
        assertThat(header(record)).isEqualTo("00-" + traceId + "-" + publish.getSpanId() + "-01");
    }

    @Test
    void aJobWithoutATraceIsPublishedWithoutSpanOrHeader() throws Exception {
        UUID id = UUID.randomUUID(); // as a job submitted while tracing was off: no trace_parent
        ForkyardTestResource.database()
                .update(
                        "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds)"
                                + " VALUES (?, 'noop', 'untraced', 'QUEUED', '{}'::jsonb, 3, 30)",
                        id);
        String topic = Topics.queue(ForkyardTestResource.topicPrefix(), "untraced");

        ConsumerRecord<String, byte[]> record = await().atMost(Duration.ofSeconds(20))
                .until(
                        () -> TopicRecords.lastByKey(
                                        ForkyardTestResource.broker().bootstrapServers(), topic)
                                .get(id.toString()),
                        r -> r != null);

        assertThat(header(record)).isNull();
        assertThat(spans.getFinishedSpanItems())
                .noneMatch(s -> id.toString().equals(s.getAttributes().get(JOB_ID)));
    }

    private Optional<SpanData> span(String traceId, java.util.function.Predicate<SpanData> matching) {
        List<SpanData> finished = spans.getFinishedSpanItems();
        return finished.stream()
                .filter(s -> s.getTraceId().equals(traceId))
                .filter(matching)
                .findFirst();
    }

    private static String header(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader(TraceParent.HEADER);
        return header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
    }

    private static String storedTraceParent(String id) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement("SELECT trace_parent FROM job WHERE id = ?")) {
            s.setObject(1, UUID.fromString(id));
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }
}
