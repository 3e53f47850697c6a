package io.forkyard.web.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.JobStatus;
import io.forkyard.jobtype.Violations;
import io.forkyard.messaging.Json;
import io.forkyard.messaging.Topics;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A bulk action's body, read field by field so that every problem names its field: {@code
 * {"action": "retry"|"cancel", "ids": [...]}} or {@code {"action": ..., "filter": {"status",
 * "type", "queue", "q", "batch"}}}, exactly one of {@code ids} and {@code filter}. Ids are deduplicated.
 */
record JobBulkRequest(JobBulk.Action action, List<UUID> ids, JobListing.Filter filter) {

    /** Most ids in one request: they are changed in one statement, one transaction. */
    static final int MAX_IDS = 1000;

    private static final Set<String> FIELDS = Set.of("action", "ids", "filter");
    private static final Set<String> FILTER_FIELDS = Set.of("status", "type", "queue", "q", "batch");

    /** Parses and checks a body; a bad one is a {@link ProblemException} before anything changes. */
    static JobBulkRequest parse(byte[] body, int maxBodyBytes) {
        if (body == null || body.length == 0) {
            throw new ProblemException(
                    Problem.of("malformed-json", "Malformed JSON", 400, "the request body is empty"));
        }
        if (body.length > maxBodyBytes) {
            throw new ProblemException(Problem.of(
                    "body-too-large",
                    "Request body too large",
                    413,
                    "the body has " + body.length + " bytes; the limit is " + maxBodyBytes));
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProblemException(Problem.of(
                    "malformed-json",
                    "Malformed JSON",
                    400,
                    "the request body is not valid JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ProblemException(
                    Problem.of("malformed-json", "Malformed JSON", 400, "the request body can't be read"));
        }
        Violations violations = new Violations();
        JobBulkRequest request = read(tree, violations);
        if (!violations.isEmpty()) {
            throw new ProblemException(Problem.of(
                    "invalid-bulk-request", "Invalid bulk request", 400, violations.summary(), violations.list()));
        }
        return request;
    }

    private static JobBulkRequest read(JsonNode body, Violations violations) {
        if (body == null || !body.isObject()) {
            violations.add("body", "must be a JSON object with action, and ids or filter");
            return null;
        }
        unknownFields(body, "", FIELDS, violations);
        JobBulk.Action action = action(body.get("action"), violations);
        JsonNode ids = body.get("ids");
        JsonNode filter = body.get("filter");
        boolean hasIds = ids != null && !ids.isNull();
        boolean hasFilter = filter != null && !filter.isNull();
        if (hasIds && hasFilter) {
            violations.add("filter", "give either ids or filter, not both");
            return null;
        }
        if (!hasIds && !hasFilter) {
            violations.add("ids", "give either ids (a list of job ids) or filter");
            return null;
        }
        return hasIds
                ? new JobBulkRequest(action, ids(ids, violations), null)
                : new JobBulkRequest(action, null, filter(filter, violations));
    }

    private static JobBulk.Action action(JsonNode node, Violations violations) {
        if (node == null || node.isNull()) {
            violations.add("action", "is required: retry or cancel");
            return null;
        }
        if (node.isTextual()) {
            for (JobBulk.Action action : JobBulk.Action.values()) {
                if (action.word().equals(node.textValue())) {
                    return action;
                }
            }
        }
        violations.add("action", "must be retry or cancel, was " + node);
        return null;
    }

    private static List<UUID> ids(JsonNode node, Violations violations) {
        if (!node.isArray() || node.isEmpty() || node.size() > MAX_IDS) {
            violations.add("ids", "must be a list of 1 to " + MAX_IDS + " job ids");
            return null;
        }
        Set<UUID> ids = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode id = node.get(i);
            try {
                if (!id.isTextual()) {
                    throw new IllegalArgumentException();
                }
                ids.add(UUID.fromString(id.textValue()));
            } catch (IllegalArgumentException e) {
                violations.add("ids[" + i + "]", "must be a job id (a UUID), was " + id);
            }
        }
        return new ArrayList<>(ids);
    }

    private static JobListing.Filter filter(JsonNode node, Violations violations) {
        if (!node.isObject()) {
            violations.add("filter", "must be an object with any of status, type, queue, q, batch");
            return null;
        }
        unknownFields(node, "filter.", FILTER_FIELDS, violations);
        JobStatus status = null;
        String statusText = text(node, "status", violations);
        if (statusText != null) {
            try {
                status = JobStatus.valueOf(statusText);
            } catch (IllegalArgumentException e) {
                violations.add(
                        "filter.status", "must be one of " + List.of(JobStatus.values()) + ", was " + statusText);
            }
        }
        String type = matching(node, "type", JobListing.TYPE, "must be a job type name", violations);
        String queue = matching(node, "queue", Topics.QUEUE_NAME, "must be a queue name", violations);
        String q = text(node, "q", violations);
        if (q != null) {
            q = q.toLowerCase(Locale.ROOT);
            if (!JobListing.ID_PREFIX.matcher(q).matches()) {
                violations.add("filter.q", "must be the start of a job id, was " + q);
                q = null;
            }
        }
        UUID batch = null;
        String batchText = text(node, "batch", violations);
        if (batchText != null) {
            try {
                batch = UUID.fromString(batchText);
            } catch (IllegalArgumentException e) {
                violations.add("filter.batch", "must be a batch id (a UUID), was " + batchText);
            }
        }
        return new JobListing.Filter(status, type, queue, q, batch);
    }

    private static String matching(JsonNode node, String name, Pattern pattern, String rule, Violations violations) {
        String value = text(node, name, violations);
        if (value != null && !pattern.matcher(value).matches()) {
            violations.add("filter." + name, rule + ", was " + value);
            return null;
        }
        return value;
    }

    /** A filter field's text; null when absent or null (no condition). */
    private static String text(JsonNode node, String name, Violations violations) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            violations.add("filter." + name, "must be a string");
            return null;
        }
        return value.textValue();
    }

    private static void unknownFields(JsonNode node, String path, Set<String> known, Violations violations) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                violations.add(
                        path + name,
                        "is not a known field (known: "
                                + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }
}
