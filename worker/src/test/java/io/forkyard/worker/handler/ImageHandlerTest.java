package io.forkyard.worker.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import io.forkyard.worker.child.JobFailure;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ImageHandlerTest {

    private static final int BLACK = 0xFF000000;
    private static final int WHITE = 0xFFFFFFFF;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void grayscaleGivesEqualChannelsAtTheRec601LumaOfEachPixel() throws Exception {
        BufferedImage source = randomImage(37, 23, 1);

        BufferedImage out = decode(run(encode(source, "png"), "[{\"op\":\"grayscale\"}]"));

        assertThat(out.getWidth()).isEqualTo(37);
        assertThat(out.getHeight()).isEqualTo(23);
        for (int y = 0; y < 23; y++) {
            for (int x = 0; x < 37; x++) {
                int in = source.getRGB(x, y);
                int p = out.getRGB(x, y);
                double luma = 0.299 * ((in >> 16) & 0xFF) + 0.587 * ((in >> 8) & 0xFF) + 0.114 * (in & 0xFF);
                assertThat(red(p)).isEqualTo(green(p)).isEqualTo(blue(p));
                assertThat((double) red(p)).isCloseTo(luma, within(0.51));
            }
        }
    }

    @Test
    void aGrayPngKeepsItsGrayLevelsInsteadOfBeingBrightened() throws Exception {
        BufferedImage gray = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 100, 200});

        BufferedImage out = decode(run(encode(gray, "png"), "[]"));

        assertThat(out.getRaster().getSample(0, 0, 0)).isEqualTo(0);
        assertThat(out.getRaster().getSample(1, 0, 0)).isEqualTo(100);
        assertThat(out.getRaster().getSample(2, 0, 0)).isEqualTo(200);
    }

    @Test
    void resizeGivesExactlyTheRequestedSizeAndKeepsAFlatColour() throws Exception {
        BufferedImage source = filled(300, 200, 0xFF3366CC);

        JsonNode result = run(encode(source, "png"), "[{\"op\":\"resize\",\"width\":50,\"height\":70}]");
        BufferedImage out = decode(result);

        assertThat(result.get("width").asInt()).isEqualTo(50);
        assertThat(result.get("height").asInt()).isEqualTo(70);
        assertThat(out.getWidth()).isEqualTo(50);
        assertThat(out.getHeight()).isEqualTo(70);
        for (int y = 0; y < 70; y++) {
            for (int x = 0; x < 50; x++) {
                assertThat(out.getRGB(x, y)).isEqualTo(0xFF3366CC);
            }
        }
    }

    @Test
    void shrinkingByHalfAveragesNeighbouringPixelsInsteadOfSkippingThem() throws Exception {
        BufferedImage stripes = new BufferedImage(40, 4, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 40; x++) {
            for (int y = 0; y < 4; y++) {
                stripes.setRGB(x, y, x % 2 == 0 ? BLACK : WHITE);
            }
        }

        BufferedImage out = decode(run(encode(stripes, "png"), "[{\"op\":\"resize\",\"width\":20,\"height\":4}]"));

        // Nearest-neighbour would give all black or all white; an average is mid-gray.
        for (int x = 1; x < 19; x++) {
            assertThat(red(out.getRGB(x, 1))).isBetween(118, 137);
        }
    }

    @Test
    void thumbnailFitsInsideTheSquareKeepingTheAspectRatio() throws Exception {
        BufferedImage wide =
                decode(run(encode(randomImage(400, 100, 2), "png"), "[{\"op\":\"thumbnail\",\"size\":100}]"));
        BufferedImage tall =
                decode(run(encode(randomImage(90, 300, 3), "jpeg"), "[{\"op\":\"thumbnail\",\"size\":60}]"));

        assertThat(List.of(wide.getWidth(), wide.getHeight())).containsExactly(100, 25);
        assertThat(List.of(tall.getWidth(), tall.getHeight())).containsExactly(18, 60);
        assertThat((double) tall.getWidth() / tall.getHeight()).isCloseTo(90.0 / 300, within(1.0 / 60));
    }

    @Test
    void thumbnailNeverEnlargesASmallImage() throws Exception {
        BufferedImage out = decode(run(encode(randomImage(50, 30, 4), "png"), "[{\"op\":\"thumbnail\",\"size\":100}]"));

        assertThat(List.of(out.getWidth(), out.getHeight())).containsExactly(50, 30);
    }

    @Test
    void blurTurnsABlackWhiteStepIntoARampAndLeavesFlatRegionsAlone() throws Exception {
        int width = 40;
        int radius = 3;
        BufferedImage step = new BufferedImage(width, 20, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < width; x++) {
                step.setRGB(x, y, x < width / 2 ? BLACK : WHITE);
            }
        }

        BufferedImage out = decode(run(encode(step, "png"), "[{\"op\":\"blur\",\"radius\":" + radius + "}]"));

        for (int x = 0; x < width; x++) {
            int whiteNeighbours = 0;
            for (int k = -radius; k <= radius; k++) {
                whiteNeighbours += Math.min(width - 1, Math.max(0, x + k)) >= width / 2 ? 1 : 0;
            }
            double expected = 255.0 * whiteNeighbours / (2 * radius + 1);
            for (int y = 0; y < 20; y++) {
                assertThat((double) red(out.getRGB(x, y))).isCloseTo(expected, within(0.51));
            }
        }
        assertThat(red(out.getRGB(width / 2 - radius - 1, 10))).isZero();
        assertThat(red(out.getRGB(width / 2 + radius, 10))).isEqualTo(255);
        assertThat(red(out.getRGB(width / 2, 10))).isStrictlyBetween(0, 255);
    }

    @Test
    void blurGivesTheMeanOfTheSquareAroundEachPixelWithEdgesExtended() throws Exception {
        BufferedImage source = randomImage(25, 19, 5);
        int radius = 2;

        BufferedImage out = decode(run(encode(source, "png"), "[{\"op\":\"blur\",\"radius\":" + radius + "}]"));

        for (int y = 0; y < 19; y++) {
            for (int x = 0; x < 25; x++) {
                double sum = 0;
                for (int dy = -radius; dy <= radius; dy++) {
                    for (int dx = -radius; dx <= radius; dx++) {
                        int sx = Math.min(24, Math.max(0, x + dx));
                        int sy = Math.min(18, Math.max(0, y + dy));
                        sum += green(source.getRGB(sx, sy));
                    }
                }
                double expected = sum / ((2 * radius + 1) * (2 * radius + 1));
                // each of the two passes rounds once
                assertThat((double) green(out.getRGB(x, y))).isCloseTo(expected, within(1.0));
            }
        }
    }

    @Test
    void blurNextToTransparencyKeepsTheColourAndFadesOnlyTheAlpha() throws Exception {
        BufferedImage half = new BufferedImage(20, 10, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 20; x++) {
                half.setRGB(x, y, x < 10 ? 0x00000000 : 0xFFFF0000);
            }
        }

        BufferedImage out = decode(run(encode(half, "png"), "[{\"op\":\"blur\",\"radius\":2}]"));

        assertThat(out.getColorModel().hasAlpha()).isTrue();
        int edge = out.getRGB(9, 5);
        assertThat(edge >>> 24).isStrictlyBetween(0, 255);
        assertThat(edge & 0xFFFFFF).isEqualTo(0xFF0000);
        assertThat(out.getRGB(15, 5)).isEqualTo(0xFFFF0000);
    }

    @Test
    void theResultDescribesThePngItCarries() throws Exception {
        JsonNode result = run(
                encode(randomImage(64, 48, 6), "jpeg"), "[{\"op\":\"grayscale\"},{\"op\":\"thumbnail\",\"size\":32}]");

        byte[] png = Base64.getDecoder().decode(result.get("base64").asText());
        assertThat(result.get("contentType").asText()).isEqualTo("image/png");
        assertThat(result.get("bytes").asInt()).isEqualTo(png.length);
        assertThat(new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("PNG");
        assertThat(List.of(result.get("width").asInt(), result.get("height").asInt()))
                .containsExactly(32, 24);
    }

    @Test
    void progressIsReportedForEveryOperationAndNeverGoesBack() throws Exception {
        List<Integer> percents = new ArrayList<>();
        ObjectNode input = input(
                encode(randomImage(300, 300, 7), "png"),
                "[{\"op\":\"blur\",\"radius\":1},"
                        + "{\"op\":\"grayscale\"},{\"op\":\"resize\",\"width\":100,\"height\":100}]");

        new ImageHandler().handle(input, (p, m) -> percents.add(p));

        assertThat(percents).hasSizeGreaterThanOrEqualTo(5).isSorted();
        assertThat(percents.get(percents.size() - 1)).isLessThan(100);
    }

    @Test
    void bytesThatAreNotAnImageFailWithInvalidInput() throws Exception {
        byte[] truncated = java.util.Arrays.copyOf(encode(randomImage(50, 50, 8), "png"), 60);

        assertInvalidInput(
                () -> run("not an image at all".getBytes(java.nio.charset.StandardCharsets.UTF_8), "[]"),
                "input.base64");
        assertInvalidInput(() -> run(truncated, "[]"), "input.base64");
    }

    @Test
    void aGifIsRejectedBecauseOnlyPngAndJpegAreAccepted() throws Exception {
        byte[] gif = encode(randomImage(10, 10, 9), "gif");

        assertInvalidInput(() -> run(gif, "[]"), "gif");
    }

    @Test
    void aHeaderClaimingAHugeImageIsRejectedBeforeAnyPixelIsDecoded() throws Exception {
        byte[] bomb = withPngDimensions(encode(randomImage(4, 4, 10), "png"), 20_000, 20_000);

        assertInvalidInput(() -> run(bomb, "[]"), "20000×20000");
    }

    @Test
    void aResizeBeyondThePixelCapFailsWithInvalidInput() throws Exception {
        byte[] png = encode(randomImage(4, 4, 11), "png");

        assertInvalidInput(
                () -> run(png, "[{\"op\":\"resize\",\"width\":10000,\"height\":10000}]"), "input.operations[0]");
    }

    private static void assertInvalidInput(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String messagePart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(JobFailure.class, f -> {
            assertThat(f.code()).isEqualTo(FailureCode.INVALID_INPUT);
            assertThat(f.retryable()).isFalse();
            assertThat(f.getMessage()).contains(messagePart);
        });
    }

    private static JsonNode run(byte[] image, String operations) throws Exception {
        return new ImageHandler().handle(input(image, operations), (p, m) -> {});
    }

    private static ObjectNode input(byte[] image, String operations) throws Exception {
        ObjectNode input =
                Json.MAPPER.createObjectNode().put("base64", Base64.getEncoder().encodeToString(image));
        input.set("operations", Json.MAPPER.readTree(operations));
        return input;
    }

    private static BufferedImage decode(JsonNode result) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(
                Base64.getDecoder().decode(result.get("base64").asText())));
    }

    private static byte[] encode(BufferedImage image, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).isTrue();
        return out.toByteArray();
    }

    private static BufferedImage randomImage(int width, int height, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }

    private static BufferedImage filled(int width, int height, int argb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, argb);
            }
        }
        return image;
    }

    /** Rewrites the IHDR chunk (always first, at byte 8) with other dimensions and a fresh CRC. */
    private static byte[] withPngDimensions(byte[] png, int width, int height) {
        byte[] patched = png.clone();
        ByteBuffer buffer = ByteBuffer.wrap(patched);
        buffer.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(patched, 12, 17); // "IHDR" and its 13 data bytes
        buffer.putInt(29, (int) crc.getValue());
        return patched;
    }

    private static int red(int p) {
        return (p >> 16) & 0xFF;
    }

    private static int green(int p) {
        return (p >> 8) & 0xFF;
    }

    private static int blue(int p) {
        return p & 0xFF;
    }
}
