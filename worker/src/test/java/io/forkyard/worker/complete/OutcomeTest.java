package io.forkyard.worker.complete;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.messaging.Json;
import io.forkyard.worker.run.ClaimedJob;
import io.forkyard.worker.run.HeldJob;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OutcomeTest {

    private final HeldJob job = new HeldJob(
            new ClaimedJob(
                    UUID.randomUUID(),
                    "image",
                    "{}",
                    1,
                    3,
                    60,
                    UUID.randomUUID(),
                    Instant.now(),
                    Instant.now(),
                    0,
                    false),
            "default");

    @Test
    void binaryResultKeepsItsMetadataAsJsonAndItsBytesApart() throws Exception {
        Outcome outcome = Outcome.succeeded(
                job,
                Json.MAPPER.readTree(
                        "{\"width\":2,\"height\":1,\"contentType\":\"image/png\",\"bytes\":3,\"base64\":\"AQID\"}"));

        assertThat(outcome.resultBase64()).isEqualTo("AQID");
        assertThat(outcome.contentType()).isEqualTo("image/png");
        assertThat(Json.MAPPER.readTree(outcome.resultJson()))
                .isEqualTo(
                        Json.MAPPER.readTree("{\"width\":2,\"height\":1,\"contentType\":\"image/png\",\"bytes\":3}"));
    }

    @Test
    void jsonResultIsStoredAsItIs() throws Exception {
        Outcome outcome = Outcome.succeeded(job, Json.MAPPER.readTree("{\"hex\":\"ab\"}"));

        assertThat(outcome.resultJson()).isEqualTo("{\"hex\":\"ab\"}");
        assertThat(outcome.resultBase64()).isNull();
        assertThat(outcome.contentType()).isNull();
    }
}
