package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * A job type served by an executable child in any language, declared by configuration rather than
 * code ({@code forkyard.web.external-types}, {@code forkyard.worker.external-types.NAME.command}).
 * Its input must be a JSON object; everything else is checked by the child, which answers {@code
 * INVALID_INPUT} for what it can't use.
 */
public final class ExternalJobType extends BaseJobType {

    public ExternalJobType(String name) {
        super(name, Nature.CPU, Duration.ofMinutes(5), 3);
    }

    @Override
    public void validate(JsonNode input, Violations violations) {
        violations.requireObject(input);
    }
}
