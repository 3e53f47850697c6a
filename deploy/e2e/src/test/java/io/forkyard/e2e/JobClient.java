package io.forkyard.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A client of the job API over real HTTP, as a user's program would be. */
final class JobClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String apiKey;

    /** A client that sends {@code apiKey} as its bearer token (none when null). */
    JobClient(String baseUrl, String apiKey) {
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
    }

    /** A response: status, headers and parsed body. */
    record Reply(int status, HttpResponse<String> raw, JsonNode body) {}

    Reply submit(String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** Submits with an {@code Idempotency-Key}, so a retry after a lost answer returns the same job. */
    Reply submit(String json, String idempotencyKey) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/jobs"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** GET of any path, e.g. a health endpoint. */
    Reply path(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
    }

    /** POST of {@code json} (null: no body) to any path, e.g. {@code /api/queues/q/pause}. */
    Reply post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .POST(json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)));
    }

    /** DELETE of any path, e.g. {@code /api/schedules/{id}}. */
    Reply delete(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).DELETE());
    }

    /** PUT of {@code json} to any path, e.g. {@code /api/queues/q}. */
    Reply put(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A raw response body with its content type. */
    record Raw(int status, String contentType, byte[] body) {}

    Raw result(String id) throws Exception {
        HttpResponse<byte[]> response = http.send(
                authorized(HttpRequest.newBuilder(URI.create(baseUrl + "/api/jobs/" + id + "/result")))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Raw(
                response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(""),
                response.body());
    }

    Reply cancel(String id) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/api/jobs/" + id)).DELETE());
    }

    /** {@code POST /api/jobs/batch} of a JSON array; returns the new jobs' ids, failing unless 202. */
    List<String> submitBatchOk(String jsonArray) throws Exception {
        Reply reply = send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/jobs/batch"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonArray)));
        if (reply.status() != 202) {
            throw new AssertionError("batch submit answered " + reply.status() + ": " + reply.body());
        }
        List<String> ids = new ArrayList<>();
        reply.body().forEach(job -> ids.add(job.get("id").asText()));
        return ids;
    }

    /** {@code POST /api/jobs/{id}/retry}: re-queues a FAILED or CANCELLED job. */
    Reply retry(String id) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/jobs/" + id + "/retry"))
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** Submits and returns the new job's id, failing unless the answer is 202. */
    String submitOk(String json) throws Exception {
        Reply reply = submit(json);
        if (reply.status() != 202) {
            throw new AssertionError("submit answered " + reply.status() + ": " + reply.body());
        }
        return reply.body().get("id").asText();
    }

    /** Polls until the job has {@code status}. */
    JsonNode awaitStatus(String id, String status, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode job = get(id).body();
            if (status.equals(job.path("status").asText())) {
                return job;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + id + " not " + status + " after " + timeout + ": " + job);
            }
            Thread.sleep(50);
        }
    }

    Reply get(String id) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/api/jobs/" + id)).GET());
    }

    /** Polls until the job is SUCCEEDED, FAILED or CANCELLED. */
    JsonNode awaitFinal(String id, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode job = get(id).body();
            String status = job.path("status").asText();
            if (status.equals("SUCCEEDED") || status.equals("FAILED") || status.equals("CANCELLED")) {
                return job;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + id + " still " + status + " after " + timeout + ": " + job);
            }
            Thread.sleep(100);
        }
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return apiKey == null ? request : request.header("Authorization", "Bearer " + apiKey);
    }

    private Reply send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(
                authorized(request).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body;
        try {
            body = response.body().isEmpty() ? null : JSON.readTree(response.body());
        } catch (Exception notJson) {
            body = JSON.getNodeFactory().textNode(response.body());
        }
        return new Reply(response.statusCode(), response, body);
    }
}
