package io.forkyard.worker.handler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.messaging.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** What an {@code exec} job returns of its program's output: text as text, any other bytes whole. */
class ExecHandlerTest {

    private final ExecHandler handler = new ExecHandler();

    @Test
    void textOutputIsReturnedAsAString() throws Exception {
        JsonNode result = run("printf", "grüße\\n", 1024);

        assertThat(result.get("exitCode").asInt()).isZero();
        assertThat(result.get("stdout").asText()).isEqualTo("grüße\n");
        assertThat(result.has("stdoutEncoding")).isFalse();
        assertThat(result.get("stderr").asText()).isEmpty();
    }

    @Test
    void outputHoldingANulIsReturnedWholeAsBase64WithAFlag() throws Exception {
        JsonNode result = run("printf", "a\\0b", 1024);

        assertThat(result.get("stdoutEncoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(result.get("stdout").asText())).containsExactly('a', 0, 'b');
    }

    @Test
    void outputThatIsNotUtf8IsReturnedWholeAsBase64WithAFlag() throws Exception {
        JsonNode result = run("printf", "\\377\\376x", 1024);

        assertThat(result.get("stdoutEncoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(result.get("stdout").asText()))
                .containsExactly((byte) 0xFF, (byte) 0xFE, 'x');
    }

    @Test
    void textCutInsideACharacterStaysTextWithoutThePartialCharacter() throws Exception {
        // "aé" is 61 C3 A9: a limit of 2 bytes cuts é in half
        JsonNode result = run("printf", "aé", 2);

        assertThat(result.get("stdout").asText()).isEqualTo("a");
        assertThat(result.has("stdoutEncoding")).isFalse();
        assertThat(result.get("stdoutTruncated").asBoolean()).isTrue();
        assertThat(result.get("stdoutBytes").asLong()).isEqualTo(3);
    }

    @Test
    void partialCharacterIsDroppedOnlyAtTheEnd() {
        byte[] euro = "x€".getBytes(StandardCharsets.UTF_8); // 78 E2 82 AC
        assertThat(ExecHandler.withoutCutCharacter(euro)).isEqualTo(euro);
        assertThat(ExecHandler.withoutCutCharacter(new byte[] {'x', (byte) 0xE2, (byte) 0x82}))
                .containsExactly('x');
        assertThat(ExecHandler.withoutCutCharacter(new byte[] {'x', (byte) 0xE2}))
                .containsExactly('x');
        assertThat(ExecHandler.withoutCutCharacter(new byte[] {'x', 'y'})).containsExactly('x', 'y');
    }

    private JsonNode run(String program, String format, int maxOutputBytes) throws Exception {
        JsonNode input = Json.MAPPER
                .createObjectNode()
                .put("program", "/usr/bin/" + program)
                .put("maxOutputBytes", maxOutputBytes)
                .set("args", Json.MAPPER.createArrayNode().add(format));
        return handler.handle(input, (percent, message) -> {});
    }
}
