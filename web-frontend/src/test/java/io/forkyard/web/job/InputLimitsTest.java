package io.forkyard.web.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.jobtype.CsvStatsType;
import io.forkyard.jobtype.ImageType;
import io.forkyard.messaging.Json;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.web.WebConfig;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The size limits of the job types are reachable: the largest input a type accepts fits in the
 * request body limit ({@code max-body-bytes}), so a client meets the type's own limit ({@code 422}
 * naming the field) before the body's ({@code 413}).
 *
 * <p>Plain {@link HttpClient} rather than RestAssured, whose log of a failed request would print a
 * 16 MiB body as a list of numbers and run out of heap instead of failing.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class InputLimitsTest {

    /** A queue of its own, so these large jobs stay out of the other tests' topics. */
    private static final String QUEUE = "limits";

    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Inject
    WebConfig config;

    @TestHTTPResource("/api/jobs")
    URI jobs;

    @Test
    void theLargestImageTheTypeAcceptsFitsInTheBodyAndIsAccepted() throws Exception {
        byte[] body = Json.toBytes(imageJob(new byte[ImageType.MAX_IMAGE_BYTES]));

        assertThat(body.length).isLessThanOrEqualTo(config.maxBodyBytes());
        Answer answer = submit(body);
        assertThat(answer.status()).as(answer.summary()).isEqualTo(202);
        assertThat(answer.json().path("type").asText()).isEqualTo("image");
    }

    @Test
    void anImageOneByteLargerIsRefusedByTheTypeNamingTheField() throws Exception {
        Answer answer = submit(Json.toBytes(imageJob(new byte[ImageType.MAX_IMAGE_BYTES + 1])));

        assertThat(answer.status()).as(answer.summary()).isEqualTo(422);
        assertThat(answer.fields()).contains("input.base64");
    }

    @Test
    void theLongestCsvTheTypeAcceptsFitsInTheBodyEvenWhenEveryCharacterTakesTwoBytes() throws Exception {
        // A quote and a line break are escaped in JSON, é is two bytes of UTF-8: two bytes each.
        String csv = "\"é\"\n".repeat(CsvStatsType.MAX_CSV_CHARS / 4);
        assertThat(csv).hasSize(CsvStatsType.MAX_CSV_CHARS);
        byte[] body = Json.toBytes(csvJob(csv));

        assertThat(body.length).isGreaterThan(2 * CsvStatsType.MAX_CSV_CHARS);
        assertThat(body.length).isLessThanOrEqualTo(config.maxBodyBytes());
        Answer answer = submit(body);
        assertThat(answer.status()).as(answer.summary()).isEqualTo(202);
        assertThat(answer.json().path("type").asText()).isEqualTo("csv-stats");
    }

    @Test
    void aCsvOneCharacterLongerIsRefusedByTheTypeNamingTheField() throws Exception {
        String csv = "\"é\"\n".repeat(CsvStatsType.MAX_CSV_CHARS / 4) + "é";

        Answer answer = submit(Json.toBytes(csvJob(csv)));

        assertThat(answer.status()).as(answer.summary()).isEqualTo(422);
        assertThat(answer.fields()).contains("input.csv");
    }

    /** The status and the JSON body of an answer. */
    @Test
    void aBatchOfMaxBatchJobsIsOneRequestAndOneMoreIsRefusedWhole() throws Exception {
        // due in a year: the relay leaves them alone, so they load nothing but the database
        String noop = "{\"type\":\"noop\",\"input\":{},\"queue\":\"" + QUEUE + "\",\"runAt\":\""
                + java.time.Instant.now().plus(java.time.Duration.ofDays(365)) + "\"}";
        long before = queued();
        Answer tooMany = submit(
                URI.create(jobs + "/batch"),
                ("[" + String.join(",", java.util.Collections.nCopies(config.maxBatchJobs() + 1, noop)) + "]")
                        .getBytes());
        assertThat(tooMany.status()).as(tooMany.summary()).isEqualTo(422);
        assertThat(tooMany.fields()).containsExactly("body");
        assertThat(queued()).isEqualTo(before);

        Answer most = submit(
                URI.create(jobs + "/batch"),
                ("[" + String.join(",", java.util.Collections.nCopies(config.maxBatchJobs(), noop)) + "]").getBytes());
        assertThat(most.status()).as(most.summary()).isEqualTo(202);
        assertThat(most.json().size()).isEqualTo(config.maxBatchJobs());
        assertThat(queued()).isEqualTo(before + config.maxBatchJobs());
    }

    private static long queued() throws Exception {
        try (var c = ForkyardTestResource.database().connect();
                var s = c.prepareStatement("SELECT count(*) FROM job WHERE queue = '" + QUEUE + "'");
                var rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private record Answer(int status, JsonNode json) {

        /** The fields a problem document names. */
        List<String> fields() {
            List<String> fields = new ArrayList<>();
            json.path("errors").forEach(e -> fields.add(e.path("field").asText()));
            return fields;
        }

        String summary() {
            return status + " " + json.path("title").asText() + ": "
                    + json.path("detail").asText();
        }
    }

    private Answer submit(byte[] body) throws Exception {
        return submit(jobs, body);
    }

    private static Answer submit(URI uri, byte[] body) throws Exception {
        HttpResponse<byte[]> response = HTTP.send(
                HttpRequest.newBuilder(uri)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        byte[] answer = response.body();
        return new Answer(
                response.statusCode(), answer.length == 0 ? Json.MAPPER.missingNode() : Json.MAPPER.readTree(answer));
    }

    /** An image job with the most operations a job may have, so the rest of the body is at its largest. */
    private static ObjectNode imageJob(byte[] image) {
        ObjectNode job = Json.MAPPER.createObjectNode().put("type", "image").put("queue", QUEUE);
        ObjectNode input =
                job.putObject("input").put("base64", Base64.getEncoder().encodeToString(image));
        var operations = input.putArray("operations");
        for (int i = 0; i < ImageType.MAX_OPERATIONS; i++) {
            operations.addObject().put("op", "resize").put("width", 10_000).put("height", 5_000);
        }
        return job;
    }

    private static ObjectNode csvJob(String csv) {
        ObjectNode job = Json.MAPPER.createObjectNode().put("type", "csv-stats").put("queue", QUEUE);
        job.putObject("input").put("csv", csv);
        return job;
    }
}
