package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.testing.Processes;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The packaged web tier and a packaged worker, as two OS processes, against a real Kafka broker
 * and PostgreSQL: jobs go in over HTTP and come out with results checked independently. Both
 * processes trace to an {@link OtlpReceiver}, and a job's trace is followed across them.
 */
class SubmitToResultIT {

    @Test
    void sha256JobsSubmittedOverHttpSucceedWithIndependentlyCheckedDigests() throws Exception {
        String marker;
        try (OtlpReceiver traces = new OtlpReceiver();
                Forkyard system = new Forkyard()) {
            marker = system.childMarker;
            system.startWeb(traces.appEnv());
            AppProcess worker = system.startWorker(2, traces.appEnv());
            JobClient client = system.client();
            Random random = new Random(42);

            List<String[]> submitted = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String text = "forkyard-" + i + "-" + random.nextInt(1_000_000);
                int rounds = 1 + random.nextInt(20_000);
                JobClient.Reply reply = client.submit(
                        "{\"type\":\"sha256\",\"input\":{\"text\":\"" + text + "\",\"rounds\":" + rounds + "}}");
                assertThat(reply.status()).isEqualTo(202);
                String id = reply.body().get("id").asText();
                assertThat(reply.raw().headers().firstValue("Location")).hasValue("/api/jobs/" + id);
                submitted.add(new String[] {id, text, Integer.toString(rounds)});
            }

            for (String[] job : submitted) {
                JsonNode done = client.awaitFinal(job[0], Duration.ofSeconds(60));
                assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
                assertThat(done.at("/result/hex").asText())
                        .isEqualTo(sha256Chain(job[1].getBytes(StandardCharsets.UTF_8), Integer.parseInt(job[2])));
                assertThat(done.get("attempt").asInt()).isEqualTo(1);
            }

            assertOneTraceFromSubmitToOutcome(traces, submitted.get(0)[0]);

            java.time.Instant runAt = java.time.Instant.now().plusSeconds(3);
            String delayed = client.submitOk("{\"type\":\"noop\",\"input\":{},\"runAt\":\"" + runAt + "\"}");
            JsonNode delayedJob = client.awaitFinal(delayed, Duration.ofSeconds(30));
            assertThat(delayedJob.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(java.time.Instant.parse(delayedJob.get("startedAt").asText()))
                    .isAfterOrEqualTo(runAt);

            String image = client.submitOk("{\"type\":\"image\",\"input\":{\"base64\":\"" + png(400, 200)
                    + "\",\"operations\":[{\"op\":\"grayscale\"},{\"op\":\"thumbnail\",\"size\":100}]}}");
            JsonNode imageJob = client.awaitFinal(image, Duration.ofSeconds(60));
            assertThat(imageJob.get("status").asText()).as(imageJob.toString()).isEqualTo("SUCCEEDED");
            assertThat(imageJob.at("/result/width").asInt()).isEqualTo(100);
            assertThat(imageJob.at("/result/height").asInt()).isEqualTo(50);
            assertThat(imageJob.at("/result/base64").isMissingNode()).isTrue();
            JobClient.Raw raw = client.result(image);
            assertThat(raw.contentType()).isEqualTo("image/png");
            BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(raw.body()));
            assertThat(thumbnail.getWidth()).isEqualTo(100);
            assertThat(thumbnail.getHeight()).isEqualTo(50);
            assertThat(raw.body().length).isEqualTo(imageJob.at("/result/bytes").asInt());

            JobClient.Reply invalid = client.submit("{\"type\":\"sha256\",\"input\":{\"text\":\"x\",\"rounds\":0}}");
            assertThat(invalid.status()).isEqualTo(422);
            assertThat(invalid.raw().headers().firstValue("Content-Type")).hasValue("application/problem+json");

            assertThat(Processes.withMarker(marker)).hasSize(2);

            // Every metric the Grafana dashboard and the alert rules name is served by the system.
            String scraped = Metrics.scrape(system.web) + Metrics.scrape(worker);
            assertThat(ObservabilityFiles.missingFrom(scraped, ObservabilityFiles.referencedMetrics()))
                    .as("metrics named in deploy/observability but not in /q/metrics")
                    .isEmpty();
        }
        // Everything it started is gone: apps, broker and every child.
        await().atMost(Duration.ofSeconds(15))
                .until(() -> Processes.withMarker(marker).isEmpty());
    }

    /**
     * One trace across both processes: the submit request (web), the publish (web), then the claim,
     * the run in a child and the outcome write (worker), each span the child of the one before.
     */
    private static void assertOneTraceFromSubmitToOutcome(OtlpReceiver traces, String jobId) {
        List<String> chain = List.of("publish", "claim", "run", "outcome");
        List<OtlpReceiver.ReceivedSpan> job = await().atMost(Duration.ofSeconds(20))
                .until(
                        () -> traces.spans().stream()
                                .filter(s -> jobId.equals(s.attributes().get("forkyard.job.id")))
                                .sorted(java.util.Comparator.comparing(
                                        s -> chain.indexOf(s.name().split(" ")[0])))
                                .toList(),
                        spans -> spans.size() == chain.size());
        String traceId = job.get(0).traceId();
        OtlpReceiver.ReceivedSpan submit = traces.spans().stream()
                .filter(s -> s.traceId().equals(traceId) && s.name().equals("POST /api/jobs"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no submit span in trace " + traceId + ": " + traces.spans()));
        assertThat(submit.service()).isEqualTo("forkyard-web");

        String parent = submit.spanId();
        for (int i = 0; i < chain.size(); i++) {
            OtlpReceiver.ReceivedSpan span = job.get(i);
            assertThat(span.name()).as("span %d of %s", i, job).startsWith(chain.get(i) + " ");
            assertThat(span.traceId()).as(span.toString()).isEqualTo(traceId);
            assertThat(span.parentSpanId()).as(span.toString()).isEqualTo(parent);
            assertThat(span.service()).isEqualTo(i == 0 ? "forkyard-web" : "forkyard-worker");
            parent = span.spanId();
        }
        assertThat(job.get(3).attributes()).containsEntry("forkyard.job.status", "SUCCEEDED");
    }

    /** A PNG with a colour gradient, base64-encoded. */
    private static String png(int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x % 256) << 16 | (y % 256) << 8 | 128);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private static String sha256Chain(byte[] input, int rounds) throws Exception {
        byte[] d = input;
        for (int i = 0; i < rounds; i++) {
            d = MessageDigest.getInstance("SHA-256").digest(d);
        }
        return HexFormat.of().formatHex(d);
    }
}
