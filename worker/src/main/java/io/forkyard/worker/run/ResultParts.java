package io.forkyard.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.messaging.Json;
import java.util.Base64;

/**
 * A child's result split for storage: a result object with {@code contentType} and {@code base64}
 * (an image job's PNG) keeps its other fields as JSON, and its bytes go to their own column, served
 * raw at {@code /api/jobs/{id}/result}.
 */
record ResultParts(String json, byte[] bytes, String contentType) {

    static ResultParts of(JsonNode result) {
        if (result == null || result.isNull()) {
            return new ResultParts("{}", null, null);
        }
        if (result instanceof ObjectNode object
                && object.path("base64").isTextual()
                && object.path("contentType").isTextual()) {
            ObjectNode copy = object.deepCopy();
            byte[] bytes = Base64.getDecoder().decode(copy.remove("base64").asText());
            return new ResultParts(
                    copy.toString(), bytes, copy.get("contentType").asText());
        }
        return new ResultParts(Json.MAPPER.valueToTree(result).toString(), null, null);
    }
}
