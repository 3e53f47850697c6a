package io.forkyard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Submits jobs over the public HTTP API, as a client program would: HTTP/1.1 with keep-alive, so
 * one connection per request in flight, reused for the next one (no HTTP/2 upgrade, which a
 * typical client of a job API does not do).
 */
final class JobApi {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String baseUrl;

    /** The tenant's API key, from {@code FORKYARD_API_KEY} (deploy/bench/run sets it). */
    private final String apiKey = System.getenv("FORKYARD_API_KEY");

    JobApi(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    static ObjectNode job(String type, ObjectNode input) {
        ObjectNode job = JSON.createObjectNode();
        job.put("type", type);
        job.set("input", input);
        return job;
    }

    /**
     * Submits the jobs in order, {@code batchSize} per {@code POST /api/jobs/batch}, or one per
     * {@code POST /api/jobs} when {@code batchSize} is 1; returns their ids in the same order.
     */
    List<UUID> submit(List<ObjectNode> jobs, int batchSize) throws IOException, InterruptedException {
        List<UUID> ids = new ArrayList<>(jobs.size());
        for (int from = 0; from < jobs.size(); from += batchSize) {
            List<ObjectNode> chunk = jobs.subList(from, Math.min(jobs.size(), from + batchSize));
            if (batchSize == 1) {
                ids.add(submitOne(chunk.get(0)));
            } else {
                ArrayNode array = JSON.createArrayNode();
                chunk.forEach(array::add);
                for (JsonNode view : post("/api/jobs/batch", array)) {
                    ids.add(id(view));
                }
            }
        }
        return ids;
    }

    /** One {@code POST /api/jobs}, waiting for its answer; returns the job's id. */
    UUID submitOne(ObjectNode job) throws IOException, InterruptedException {
        return id(post("/api/jobs", job));
    }

    /**
     * One {@code POST /api/jobs} without waiting for its answer: the future completes with the
     * job's id, or exceptionally if the request failed or was not accepted.
     */
    CompletableFuture<UUID> submitAsync(ObjectNode job) throws IOException {
        return http.sendAsync(request("/api/jobs", job), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> id(accepted("POST /api/jobs", response)));
    }

    private JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
        return accepted("POST " + path, http.send(request(path, body), HttpResponse.BodyHandlers.ofString()));
    }

    private HttpRequest request(String path, JsonNode body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return request.build();
    }

    private static JsonNode accepted(String what, HttpResponse<String> response) {
        if (response.statusCode() != 202) {
            throw new IllegalStateException(what + " answered " + response.statusCode() + ": " + response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(what + " answered 202 with a body that is not JSON", e);
        }
    }

    private static UUID id(JsonNode view) {
        return UUID.fromString(view.get("id").asText());
    }
}
