package io.forkyard.web.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.jobtype.Violations;
import io.forkyard.web.job.JobCommands.NewJob;
import io.forkyard.web.job.JobSubmission;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.Set;

/**
 * The body of {@code POST} and {@code PUT /api/schedules}, read field by field so that every problem
 * names its field: {@code {"name", "cron", "timeZone", "job", "enabled", "misfire"}}; {@code job} is a
 * submission without {@code runAt}.
 */
public record ScheduleRequest(String name, Cron cron, ZoneId timeZone, NewJob job, boolean enabled, String misfire) {

    static final Set<String> FIELDS = Set.of("name", "cron", "timeZone", "job", "enabled", "misfire");
    static final Set<String> MISFIRE = Set.of("run-once", "skip");

    /** Reads a body; adds a violation for each bad field. */
    public static ScheduleRequest read(JsonNode body, JobSubmission submission, Violations violations) {
        if (body == null || !body.isObject()) {
            violations.add("body", "must be a JSON object");
            return null;
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                violations.add(
                        field,
                        "is not a known field (known: "
                                + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        }
        String name = text(body, "name", violations, true);
        if (name != null && (name.isBlank() || name.length() > 200)) {
            violations.add("name", "must have 1 to 200 characters");
        }
        Cron cron = null;
        String expression = text(body, "cron", violations, true);
        if (expression != null) {
            try {
                cron = Cron.parse(expression);
            } catch (IllegalArgumentException e) {
                violations.add("cron", e.getMessage());
            }
        }
        ZoneId zone = ZoneId.of("UTC");
        String zoneName = text(body, "timeZone", violations, false);
        if (zoneName != null) {
            try {
                zone = ZoneId.of(zoneName);
            } catch (DateTimeException e) {
                violations.add("timeZone", "must be a time zone such as Europe/Berlin or UTC");
            }
        }
        NewJob job = null;
        JsonNode template = body.get("job");
        if (template == null || template.isNull()) {
            violations.add("job", "is required: the job each tick submits ({\"type\", \"input\", ...})");
        } else {
            job = submission.validateTemplate(template, "job.", violations);
        }
        boolean enabled = true;
        JsonNode enabledNode = body.get("enabled");
        if (enabledNode != null && !enabledNode.isNull()) {
            if (!enabledNode.isBoolean()) {
                violations.add("enabled", "must be true or false");
            } else {
                enabled = enabledNode.booleanValue();
            }
        }
        String misfire = text(body, "misfire", violations, false);
        if (misfire == null) {
            misfire = "run-once";
        } else if (!MISFIRE.contains(misfire)) {
            violations.add("misfire", "must be run-once or skip");
        }
        return new ScheduleRequest(name, cron, zone, job, enabled, misfire);
    }

    private static String text(JsonNode body, String field, Violations violations, boolean required) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                violations.add(field, "is required");
            }
            return null;
        }
        if (!node.isTextual()) {
            violations.add(field, "must be a string");
            return null;
        }
        return node.asText();
    }
}
