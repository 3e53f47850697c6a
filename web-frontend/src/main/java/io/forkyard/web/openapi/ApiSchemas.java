package io.forkyard.web.openapi;

import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Request bodies as the API document shows them, where a resource reads its body as bytes (to check
 * it field by field and name every bad field) and the document can't infer its shape.
 */
public final class ApiSchemas {

    private ApiSchemas() {}

    /** One job to submit (README "HTTP API"). */
    @Schema(name = "Submission")
    public record Submission(
            @Schema(
                    required = true,
                    description = "a job type: sha256, image, csv-stats, exec, noop, sleep, or an"
                            + " external type of the deployment")
            String type,

            @Schema(description = "the type's input, a JSON object (see README \"Job types\")")
            Object input,

            @Schema(description = "a queue name, `[a-z0-9][a-z0-9_-]{0,62}`", defaultValue = "default")
            String queue,

            @Schema(description = "when the job may run, ISO-8601; now when absent")
            Instant runAt,

            @Schema(description = "replaces the type's default timeout, at most `max-timeout`")
            Integer timeoutSeconds,

            @Schema(description = "replaces the type's default attempts, at most `max-attempts`")
            Integer maxAttempts) {}
}
