package io.forkyard.worker.handler;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.jobtype.Sha256Type;
import io.forkyard.messaging.Json;
import io.forkyard.worker.child.ChildHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;

/** {@code sha256}: d₀ = input bytes, dᵢ = SHA-256(dᵢ₋₁), result {@code {"hex": hex(d_rounds)}}. */
public final class Sha256Handler implements ChildHandler {

    @Override
    public String type() {
        return Sha256Type.NAME;
    }

    @Override
    public JsonNode handle(JsonNode input, Progress progress) throws Exception {
        byte[] digest = input.hasNonNull("text")
                ? input.get("text").asText().getBytes(StandardCharsets.UTF_8)
                : Base64.getDecoder().decode(input.get("base64").asText());
        long rounds = input.get("rounds").asLong();
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        long step = Math.max(1, rounds / 100);
        for (long i = 1; i <= rounds; i++) {
            digest = sha256.digest(digest);
            if (i % step == 0) {
                progress.report((int) (i * 100 / rounds), i + " of " + rounds + " rounds");
            }
        }
        return Json.MAPPER.createObjectNode().put("hex", HexFormat.of().formatHex(digest));
    }
}
