package io.forkyard.worker.complete;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.messaging.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class StorableJsonTest {

    @Test
    void stringsHoldingNulBecomeTheirBytesInBase64AndNothingElseChanges() throws Exception {
        JsonNode result = Json.MAPPER.readTree(
                "{\"name\":\"a\\u0000b\",\"ok\":\"plain\",\"n\":3,\"list\":[\"x\",\"\\u0000\",{\"deep\":\"é\\u0000\"}]}");

        JsonNode storable = StorableJson.of(result);

        assertThat(storable.get("name").get(StorableJson.BASE64_FIELD).asText()).isEqualTo(base64("a\u0000b"));
        assertThat(storable.get("ok").asText()).isEqualTo("plain");
        assertThat(storable.get("n").asInt()).isEqualTo(3);
        assertThat(storable.get("list").get(0).asText()).isEqualTo("x");
        assertThat(storable.get("list").get(1).get(StorableJson.BASE64_FIELD).asText())
                .isEqualTo(base64("\u0000"));
        assertThat(storable.get("list")
                        .get(2)
                        .get("deep")
                        .get(StorableJson.BASE64_FIELD)
                        .asText())
                .isEqualTo(base64("é\u0000"));
        assertThat(storable.toString()).doesNotContain("\\u0000");
        // the child's own result is left as it was
        assertThat(result.get("name").asText()).isEqualTo("a\u0000b");
    }

    @Test
    void aResultWithoutNulIsTheSameObject() throws Exception {
        JsonNode result = Json.MAPPER.readTree("{\"a\":[1,\"two\",{\"b\":null}]}");

        assertThat(StorableJson.of(result)).isSameAs(result);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
