package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Base64;

/**
 * {@code sha256}: d₀ = the input bytes ({@code text} as UTF-8, or {@code base64} decoded), dᵢ =
 * SHA-256(dᵢ₋₁); the result is the hex of d_rounds.
 */
public final class Sha256Type extends BaseJobType {

    public static final String NAME = "sha256";
    public static final long MAX_ROUNDS = 100_000_000L;
    public static final int MAX_INPUT_CHARS = 1_000_000;

    public Sha256Type() {
        super(NAME, Nature.CPU, Duration.ofMinutes(5), 3);
    }

    @Override
    public void validate(JsonNode input, Violations violations) {
        if (!violations.requireObject(input)) {
            return;
        }
        boolean hasText = input.hasNonNull("text");
        boolean hasBase64 = input.hasNonNull("base64");
        if (hasText == hasBase64) {
            violations.add("input", "give exactly one of input.text and input.base64");
        } else if (hasText) {
            violations.requireString(input, "text", MAX_INPUT_CHARS);
        } else {
            String base64 = violations.requireString(input, "base64", MAX_INPUT_CHARS);
            if (base64 != null) {
                try {
                    Base64.getDecoder().decode(base64);
                } catch (IllegalArgumentException e) {
                    violations.add("input.base64", "is not valid base64");
                }
            }
        }
        violations.requireLong(input, "rounds", 1, MAX_ROUNDS);
    }
}
