package io.forkyard.web.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.forkyard.jobtype.Violations;
import io.forkyard.messaging.Topics;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Set;

/**
 * One submission, read field by field from the request's JSON so that every problem names its
 * field: {@code {"type", "input", "queue", "runAt", "timeoutSeconds", "maxAttempts", "priority",
 * "callbackUrl"}}.
 */
record SubmitRequest(
        String type,
        JsonNode input,
        String queue,
        Instant runAt,
        Integer timeoutSeconds,
        Integer maxAttempts,
        int priority,
        String callbackUrl) {

    private static final Set<String> FIELDS =
            Set.of("type", "input", "queue", "runAt", "timeoutSeconds", "maxAttempts", "priority", "callbackUrl");

    /**
     * Reads a submission; adds a violation (prefixed with {@code path}) for each bad field and
     * returns null for that field.
     */
    static SubmitRequest read(JsonNode body, String path, Violations violations) {
        if (body == null || !body.isObject()) {
            violations.add(path.isEmpty() ? "body" : path, "must be a JSON object");
            return new SubmitRequest(null, null, null, null, null, null, 0, null);
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                violations.add(
                        path + name,
                        "is not a known field (known: "
                                + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        }
        String type = null;
        JsonNode typeNode = body.get("type");
        if (typeNode == null || typeNode.isNull()) {
            violations.add(path + "type", "is required");
        } else if (!typeNode.isTextual()) {
            violations.add(path + "type", "must be a string");
        } else {
            type = typeNode.asText();
        }
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) {
            input = JsonNodeFactory.instance.objectNode();
        }
        String queue = null;
        JsonNode queueNode = body.get("queue");
        if (queueNode != null && !queueNode.isNull()) {
            if (!queueNode.isTextual()
                    || !Topics.QUEUE_NAME.matcher(queueNode.asText()).matches()) {
                violations.add(path + "queue", "must match " + Topics.QUEUE_NAME.pattern());
            } else {
                queue = queueNode.asText();
            }
        }
        Instant runAt = null;
        JsonNode runAtNode = body.get("runAt");
        if (runAtNode != null && !runAtNode.isNull()) {
            try {
                runAt = Instant.parse(runAtNode.asText());
            } catch (DateTimeParseException e) {
                violations.add(path + "runAt", "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
            }
        }
        Integer timeoutSeconds = positiveInt(body, "timeoutSeconds", path, violations);
        Integer maxAttempts = positiveInt(body, "maxAttempts", path, violations);
        String callbackUrl = null;
        JsonNode callbackNode = body.get("callbackUrl");
        if (callbackNode != null && !callbackNode.isNull()) {
            if (callbackNode.isTextual()) {
                callbackUrl = callbackNode.asText();
            } else {
                violations.add(path + "callbackUrl", "must be a string");
            }
        }
        int priority = 0;
        JsonNode priorityNode = body.get("priority");
        if (priorityNode != null && !priorityNode.isNull()) {
            if (priorityNode.isIntegralNumber()
                    && priorityNode.canConvertToInt()
                    && priorityNode.asInt() >= 0
                    && priorityNode.asInt() <= 9) {
                priority = priorityNode.asInt();
            } else {
                violations.add(path + "priority", "must be an integer from 0 to 9 (9 runs first)");
            }
        }
        return new SubmitRequest(type, input, queue, runAt, timeoutSeconds, maxAttempts, priority, callbackUrl);
    }

    private static Integer positiveInt(JsonNode body, String name, String path, Violations violations) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1) {
            violations.add(path + name, "must be a positive integer");
            return null;
        }
        return node.asInt();
    }
}
