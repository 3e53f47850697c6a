package io.forkyard.worker.handler;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;
import io.forkyard.jobtype.ImageType;
import io.forkyard.messaging.Json;
import io.forkyard.worker.child.ChildHandler;
import io.forkyard.worker.child.JobFailure;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferInt;
import java.awt.image.DirectColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntConsumer;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * {@code image}: decodes a PNG or JPEG, applies the operations in order (see {@link ImageType}) and
 * returns {@code {"width", "height", "contentType": "image/png", "bytes", "base64"}}.
 *
 * <p>Decisions and limits:
 *
 * <ul>
 *   <li>{@code thumbnail} never enlarges: an image already inside size × size is left as it is.
 *       Otherwise the longer side becomes {@code size} and the other keeps the ratio, rounded, at
 *       least 1.
 *   <li>The image's dimensions are read from its header before any pixel is decoded, so a small
 *       file claiming a huge image (a decompression bomb) fails fast. The input and every
 *       intermediate image may have at most {@link ImageType#MAX_PIXELS} pixels, and no more than
 *       this child's heap can hold ({@link #BYTES_PER_PIXEL} bytes per pixel at the peak): with the
 *       default 128m child heap that is about 8 million pixels. Both fail as a non-retryable
 *       {@code INVALID_INPUT} that says which limit.
 *   <li>Only the JDK is used (ImageIO, {@code java.awt.image} rasters, no Java2D drawing), in
 *       headless mode.
 *   <li>The PNG keeps an alpha channel only when the input had one.
 * </ul>
 */
public final class ImageHandler implements ChildHandler {

    static {
        // Before any AWT class looks at it; a child has no display, and must not try to find one.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /**
     * Heap per pixel at the peak: the decoded image and its ARGB copy while converting, or an
     * operation's input, output and row buffer; plus the PNG and its base64 text.
     */
    static final long BYTES_PER_PIXEL = 16;

    /** Progress within an operation is reported every this many rows of its first pass. */
    private static final int ROWS_PER_REPORT = 64;

    private static final Set<String> FORMATS = Set.of("png", "jpeg");

    @Override
    public String type() {
        return ImageType.NAME;
    }

    @Override
    public JsonNode handle(JsonNode input, Progress progress) throws Exception {
        long maxPixels = maxPixels();
        byte[] encoded = decodeBase64(input.path("base64").asText(""));
        JsonNode operations = input.path("operations");
        int steps = operations.size() + 2;
        progress.report(0, "decoding");
        Pixels image = decode(encoded, maxPixels);
        encoded = null; // let it go before the operations allocate
        for (int i = 0; i < operations.size(); i++) {
            JsonNode operation = operations.get(i);
            String what = "operation " + (i + 1) + " of " + operations.size() + ": "
                    + operation.path("op").asText();
            int base = (i + 1) * 100 / steps;
            int rowsTotal = image.height();
            progress.report(base, what);
            image = apply(image, operation, "input.operations[" + i + "]", maxPixels, rows -> {
                if (rows % ROWS_PER_REPORT == 0) {
                    progress.report(base + (int) ((long) rows * 100 / steps / rowsTotal), what);
                }
            });
        }
        progress.report((steps - 1) * 100 / steps, "encoding PNG");
        byte[] png = encodePng(image);
        return Json.MAPPER
                .createObjectNode()
                .put("width", image.width())
                .put("height", image.height())
                .put("contentType", "image/png")
                .put("bytes", png.length)
                .put("base64", Base64.getEncoder().encodeToString(png));
    }

    private static Pixels apply(Pixels image, JsonNode operation, String path, long maxPixels, IntConsumer rows)
            throws JobFailure {
        String op = operation.path("op").asText();
        switch (op) {
            case ImageType.GRAYSCALE -> {
                return image.grayscale();
            }
            case ImageType.RESIZE -> {
                int width = positive(operation, path, "width");
                int height = positive(operation, path, "height");
                guard((long) width * height, path + " (resize to " + width + "×" + height + ")", maxPixels);
                return image.resize(width, height, rows);
            }
            case ImageType.THUMBNAIL -> {
                int size = positive(operation, path, "size");
                if (image.width() <= size && image.height() <= size) {
                    return image;
                }
                double scale = (double) size / Math.max(image.width(), image.height());
                int width = Math.max(1, Math.min(size, (int) Math.round(image.width() * scale)));
                int height = Math.max(1, Math.min(size, (int) Math.round(image.height() * scale)));
                return image.resize(width, height, rows);
            }
            case ImageType.BLUR -> {
                return image.blur(positive(operation, path, "radius"), rows);
            }
            default -> throw new JobFailure(FailureCode.INVALID_INPUT, path + ".op: unknown operation '" + op + "'");
        }
    }

    private static int positive(JsonNode operation, String path, String name) throws JobFailure {
        JsonNode node = operation.get(name);
        if (node == null || !node.canConvertToInt() || node.asInt() < 1) {
            throw new JobFailure(FailureCode.INVALID_INPUT, path + "." + name + ": must be a positive integer");
        }
        return node.asInt();
    }

    private static byte[] decodeBase64(String base64) throws JobFailure {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new JobFailure(FailureCode.INVALID_INPUT, "input.base64: is not valid base64");
        }
    }

    private static Pixels decode(byte[] encoded, long maxPixels) throws JobFailure {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw notAnImage("is not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(format)) {
                    throw notAnImage("is a " + format + " image; only PNG and JPEG are accepted");
                }
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                guard((long) width * height, "input.base64 (" + width + "×" + height + ")", maxPixels);
                BufferedImage decoded = reader.read(0);
                return toPixels(decoded);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // ImageIO's decoders report a damaged file as either
            throw notAnImage("could not be decoded: " + e.getMessage());
        }
    }

    private static Pixels toPixels(BufferedImage decoded) {
        int width = decoded.getWidth();
        int height = decoded.getHeight();
        ColorModel model = decoded.getColorModel();
        if (model.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            return grayToPixels(decoded.getRaster(), model);
        }
        int[] argb = decoded.getRGB(0, 0, width, height, null, 0, width);
        return new Pixels(width, height, argb, model.hasAlpha());
    }

    /**
     * Gray PNGs and JPEGs decode with a linear gray colour space, and {@code getRGB} would "correct"
     * their values (100 becomes 168); but their samples are gamma-encoded like sRGB already, so
     * they are taken as they are, scaled to 8 bits.
     */
    private static Pixels grayToPixels(Raster raster, ColorModel model) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        int bands = raster.getNumBands();
        boolean hasAlpha = model.hasAlpha() && bands > 1;
        double grayScale = 255.0 / ((1 << model.getComponentSize(0)) - 1);
        double alphaScale = hasAlpha ? 255.0 / ((1 << model.getComponentSize(bands - 1)) - 1) : 0;
        int[] argb = new int[width * height];
        int[] row = new int[width * bands];
        for (int y = 0; y < height; y++) {
            raster.getPixels(0, y, width, 1, row);
            for (int x = 0; x < width; x++) {
                int gray = (int) Math.round(row[x * bands] * grayScale);
                int alpha = hasAlpha ? (int) Math.round(row[x * bands + bands - 1] * alphaScale) : 255;
                argb[y * width + x] = (alpha << 24) | (gray << 16) | (gray << 8) | gray;
            }
        }
        return new Pixels(width, height, argb, hasAlpha);
    }

    /** Wraps the pixel array in a BufferedImage without copying it, and writes it as PNG. */
    private static byte[] encodePng(Pixels image) throws IOException {
        DirectColorModel model = image.hasAlpha()
                ? new DirectColorModel(32, 0xFF0000, 0xFF00, 0xFF, 0xFF000000)
                : new DirectColorModel(24, 0xFF0000, 0xFF00, 0xFF);
        WritableRaster raster = Raster.createPackedRaster(
                new DataBufferInt(image.argb(), image.argb().length),
                image.width(),
                image.height(),
                image.width(),
                model.getMasks(),
                null);
        BufferedImage buffered = new BufferedImage(model, raster, false, null);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        if (!ImageIO.write(buffered, "png", png)) {
            throw new IOException("no PNG writer for " + buffered);
        }
        return png.toByteArray();
    }

    /** Fails unless an image of {@code pixels} is within the cap and fits the heap. */
    private static void guard(long pixels, String what, long maxPixels) throws JobFailure {
        if (pixels > ImageType.MAX_PIXELS) {
            throw new JobFailure(
                    FailureCode.INVALID_INPUT,
                    what + ": " + pixels + " pixels, more than the " + ImageType.MAX_PIXELS + " allowed",
                    false);
        }
        if (pixels > maxPixels) {
            throw new JobFailure(
                    FailureCode.INVALID_INPUT,
                    what + ": " + pixels + " pixels, more than this child's heap can hold (" + maxPixels
                            + "); raise forkyard.worker.pool.child-heap",
                    false);
        }
    }

    private static long maxPixels() {
        return Math.min(ImageType.MAX_PIXELS, Runtime.getRuntime().maxMemory() / BYTES_PER_PIXEL);
    }

    private static JobFailure notAnImage(String why) {
        return new JobFailure(FailureCode.INVALID_INPUT, "input.base64: " + why);
    }
}
