package io.forkyard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Submits jobs over the public HTTP API, as a client program would. */
final class JobApi {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

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
                ids.add(id(post("/api/jobs", chunk.get(0))));
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

    private JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException(
                    "POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static UUID id(JsonNode view) {
        return UUID.fromString(view.get("id").asText());
    }
}
