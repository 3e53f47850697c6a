package io.forkyard.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The image and csv-stats types run end to end in a real child JVM with the default heap. */
class ChildJobTypesTest {

    private String marker;
    private ChildPool pool;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    @BeforeEach
    void startPool() {
        marker = "jobtypestest-" + UUID.randomUUID();
        pool = new ChildPool(
                        ChildLauncher.javaChild("128m", List.of(), marker),
                        new ChildPool.Settings(1, 100, 16 << 20, 1 << 20, 8192, Duration.ofSeconds(30)))
                .start();
    }

    @AfterEach
    void closePool() {
        TestPools.close(pool, marker);
    }

    @Test
    void anImageThumbnailIsMadeInAHeadlessChild() throws Exception {
        ObjectNode input = imageInput(png(new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB)));
        input.putArray("operations").addObject().put("op", "thumbnail").put("size", 100);

        ChildOutcome outcome = run("image", input);

        assertThat(outcome).isInstanceOfSatisfying(ChildOutcome.Success.class, s -> {
            JsonNode result = s.result();
            assertThat(List.of(result.get("width").asInt(), result.get("height").asInt()))
                    .containsExactly(100, 75);
            BufferedImage png = decodePng(result.get("base64").asText());
            assertThat(List.of(png.getWidth(), png.getHeight())).containsExactly(100, 75);
        });
    }

    @Test
    void anUnknownImageOperationIsRejectedByTheChildNamingIt() throws Exception {
        ObjectNode input = imageInput(png(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB)));
        input.putArray("operations").addObject().put("op", "sepia");

        assertThat(run("image", input)).isInstanceOfSatisfying(ChildOutcome.Failure.class, f -> {
            assertThat(f.code()).isEqualTo(FailureCode.INVALID_INPUT);
            assertThat(f.message()).contains("input.operations[0].op");
            assertThat(f.retryable()).isFalse();
        });
    }

    @Test
    void anImageTooBigForTheChildHeapFailsAsInvalidInputInsteadOfCrashingIt() throws Exception {
        List<Long> before = pool.pids();
        // 3000 × 3000 = 9M pixels, under the 50M cap but over what 128m holds at 16 bytes a pixel
        byte[] claimsHuge = withPngDimensions(png(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB)), 3000, 3000);
        ObjectNode input = imageInput(claimsHuge);
        input.putArray("operations");

        assertThat(run("image", input)).isInstanceOfSatisfying(ChildOutcome.Failure.class, f -> {
            assertThat(f.code()).isEqualTo(FailureCode.INVALID_INPUT);
            assertThat(f.message()).contains("heap");
        });
        assertThat(pool.pids()).containsExactlyElementsOf(before);
    }

    @Test
    void csvStatsComputedInAChildMatchAnIndependentComputation() throws Exception {
        ObjectNode input = Json.MAPPER.createObjectNode().put("csv", "city,temp\n\"Oslo, NO\",4\nRome,18\nOslo,\n");

        ChildOutcome outcome = run("csv-stats", input);

        assertThat(outcome).isInstanceOfSatisfying(ChildOutcome.Success.class, s -> {
            JsonNode result = s.result();
            assertThat(result.get("rows").asInt()).isEqualTo(3);
            JsonNode city = result.get("columns").get(0);
            JsonNode temp = result.get("columns").get(1);
            assertThat(city.get("distinct").asInt()).isEqualTo(3);
            assertThat(city.get("mean").isNull()).isTrue();
            assertThat(temp.get("nulls").asInt()).isEqualTo(1);
            assertThat(temp.get("mean").asDouble()).isEqualTo(11.0);
            assertThat(temp.get("stddev").asDouble()).isEqualTo(Math.sqrt(((4 - 11) * (4 - 11) + 7 * 7) / 1.0));
        });
    }

    @Test
    void malformedCsvFailsInTheChildWithInvalidInputNamingTheRecord() throws Exception {
        ObjectNode input = Json.MAPPER.createObjectNode().put("csv", "a\n1\n\"open\n");

        assertThat(run("csv-stats", input)).isInstanceOfSatisfying(ChildOutcome.Failure.class, f -> {
            assertThat(f.code()).isEqualTo(FailureCode.INVALID_INPUT);
            assertThat(f.message()).contains("record 3");
            assertThat(f.retryable()).isFalse();
        });
    }

    private ChildOutcome run(String type, JsonNode input) throws Exception {
        return TestPools.run(pool, type, input, Duration.ofSeconds(30));
    }

    private static ObjectNode imageInput(byte[] image) {
        return Json.MAPPER.createObjectNode().put("base64", Base64.getEncoder().encodeToString(image));
    }

    private static byte[] png(BufferedImage image) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static BufferedImage decodePng(String base64) {
        try {
            return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Rewrites the IHDR chunk (always first, at byte 8) with other dimensions and a fresh CRC. */
    private static byte[] withPngDimensions(byte[] png, int width, int height) {
        byte[] patched = png.clone();
        ByteBuffer buffer = ByteBuffer.wrap(patched);
        buffer.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(patched, 12, 17);
        buffer.putInt(29, (int) crc.getValue());
        return patched;
    }
}
