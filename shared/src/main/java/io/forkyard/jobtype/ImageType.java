package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;

/**
 * {@code image}: decodes a PNG or JPEG ({@code base64}), applies {@code operations} in order and
 * returns the result as a PNG. The child answers {@code {"width", "height", "contentType":
 * "image/png", "bytes", "base64"}}; the worker stores the PNG's bytes apart, so the job view's
 * result is {@code {"width", "height", "contentType", "bytes"}} and the PNG itself is served at
 * {@code GET /api/jobs/{id}/result}.
 *
 * <p>Operations: {@code {"op": "grayscale"}}, {@code {"op": "resize", "width", "height"}} (exact
 * size), {@code {"op": "thumbnail", "size"}} (fits inside size × size keeping the aspect ratio,
 * never enlarges) and {@code {"op": "blur", "radius"}} (box blur). An empty list is allowed: it
 * converts the image to PNG.
 *
 * <p>What can't be checked here (the image's own dimensions) is checked by the handler, which reads
 * the dimensions from the header before decoding any pixels.
 */
public final class ImageType extends BaseJobType {

    public static final String NAME = "image";
    /**
     * Largest decoded image accepted, in bytes. Its base64 text (16,000,000 characters) fits in the
     * web tier's default request body limit ({@code forkyard.web.max-body-bytes}, 16 MiB) with room
     * for the rest of the submission; base64 makes 4 characters of every 3 bytes.
     */
    public static final int MAX_IMAGE_BYTES = 12_000_000;
    /** Longest base64 text that can decode to at most {@link #MAX_IMAGE_BYTES}. */
    public static final int MAX_BASE64_CHARS = (MAX_IMAGE_BYTES + 2) / 3 * 4;
    /** Most operations in one job. */
    public static final int MAX_OPERATIONS = 20;
    /** Largest width, height or thumbnail size. */
    public static final long MAX_DIMENSION = 10_000;
    /** Most pixels of the input or of any intermediate image (the handler may allow fewer). */
    public static final long MAX_PIXELS = 50_000_000L;

    public static final long MAX_BLUR_RADIUS = 50;

    public static final String GRAYSCALE = "grayscale";
    public static final String RESIZE = "resize";
    public static final String THUMBNAIL = "thumbnail";
    public static final String BLUR = "blur";
    private static final Set<String> OPERATIONS = Set.of(GRAYSCALE, RESIZE, THUMBNAIL, BLUR);

    public ImageType() {
        super(NAME, Nature.CPU, Duration.ofMinutes(2), 3);
    }

    @Override
    public void validate(JsonNode input, Violations violations) {
        if (!violations.requireObject(input)) {
            return;
        }
        validateImage(input, violations);
        JsonNode operations = input.get("operations");
        if (operations == null || operations.isNull()) {
            violations.add("input.operations", "is required (it may be empty)");
        } else if (!operations.isArray()) {
            violations.add("input.operations", "must be an array");
        } else if (operations.size() > MAX_OPERATIONS) {
            violations.add("input.operations", "must have at most " + MAX_OPERATIONS + " operations");
        } else {
            for (int i = 0; i < operations.size(); i++) {
                validateOperation(operations.get(i), "input.operations[" + i + "]", violations);
            }
        }
    }

    private static void validateImage(JsonNode input, Violations violations) {
        String base64 = violations.requireString(input, "base64", MAX_BASE64_CHARS);
        if (base64 == null) {
            return;
        }
        try {
            byte[] image = Base64.getDecoder().decode(base64);
            if (image.length == 0) {
                violations.add("input.base64", "must not be empty");
            } else if (image.length > MAX_IMAGE_BYTES) {
                violations.add("input.base64", "must decode to at most " + MAX_IMAGE_BYTES + " bytes");
            }
        } catch (IllegalArgumentException e) {
            violations.add("input.base64", "is not valid base64");
        }
    }

    private static void validateOperation(JsonNode operation, String path, Violations violations) {
        if (operation == null || !operation.isObject()) {
            violations.add(path, "must be a JSON object");
            return;
        }
        JsonNode op = operation.get("op");
        if (op == null || !op.isTextual() || !OPERATIONS.contains(op.asText())) {
            violations.add(path + ".op", "must be one of " + new java.util.TreeSet<>(OPERATIONS));
            return;
        }
        switch (op.asText()) {
            case RESIZE -> {
                Long width = violations.requireLong(operation, path, "width", 1, MAX_DIMENSION);
                Long height = violations.requireLong(operation, path, "height", 1, MAX_DIMENSION);
                if (width != null && height != null && width * height > MAX_PIXELS) {
                    violations.add(path, "width × height must be at most " + MAX_PIXELS + " pixels");
                }
            }
            case THUMBNAIL -> violations.requireLong(operation, path, "size", 1, MAX_DIMENSION);
            case BLUR -> violations.requireLong(operation, path, "radius", 1, MAX_BLUR_RADIUS);
            default -> {
                // grayscale has no parameters
            }
        }
    }
}
