package io.forkyard.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.messaging.Json;
import org.junit.jupiter.api.Test;

class ResultPartsTest {

    @Test
    void binaryResultKeepsItsMetadataAsJsonAndItsBytesApart() throws Exception {
        ResultParts parts = ResultParts.of(Json.MAPPER.readTree(
                "{\"width\":2,\"height\":1,\"contentType\":\"image/png\",\"bytes\":3,\"base64\":\"AQID\"}"));

        assertThat(parts.bytes()).containsExactly(1, 2, 3);
        assertThat(parts.contentType()).isEqualTo("image/png");
        assertThat(Json.MAPPER.readTree(parts.json()))
                .isEqualTo(
                        Json.MAPPER.readTree("{\"width\":2,\"height\":1,\"contentType\":\"image/png\",\"bytes\":3}"));
    }

    @Test
    void jsonResultIsStoredAsItIs() throws Exception {
        ResultParts parts = ResultParts.of(Json.MAPPER.readTree("{\"hex\":\"ab\"}"));

        assertThat(parts.json()).isEqualTo("{\"hex\":\"ab\"}");
        assertThat(parts.bytes()).isNull();
        assertThat(parts.contentType()).isNull();
    }
}
