package io.forkyard.worker.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.jobtype.ExecType;
import io.forkyard.messaging.Json;
import io.forkyard.worker.child.ChildHandler;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code exec}: runs the program the worker resolved from its allow-list, as a grandchild of the
 * worker, with the argument array as given (no shell), stdin from {@code /dev/null}, a fresh
 * working directory, the child's scrubbed environment, and bounded captured output: text as a
 * string, other bytes as base64 with a flag ({@link Captured}). The job's
 * timeout is enforced by the worker, which kills the child's whole process tree.
 */
public final class ExecHandler implements ChildHandler {

    @Override
    public String type() {
        return ExecType.NAME;
    }

    @Override
    public JsonNode handle(JsonNode input, Progress progress) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(input.get("program").asText());
        input.path("args").forEach(a -> command.add(a.asText()));
        int limit = input.path("maxOutputBytes").asInt(1 << 20);
        Path workDir = Files.createTempDirectory("forkyard-exec-");
        try {
            Process process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            CompletableFuture<Captured> stdout = capture(process.getInputStream(), limit);
            CompletableFuture<Captured> stderr = capture(process.getErrorStream(), limit);
            int exitCode = process.waitFor();
            ObjectNode result = Json.MAPPER.createObjectNode();
            result.put("exitCode", exitCode);
            stdout.get().put(result, "stdout");
            stderr.get().put(result, "stderr");
            return result;
        } finally {
            deleteTree(workDir);
        }
    }

    /**
     * Output kept up to the limit; the rest is read and counted, so the program never blocks. Text
     * (valid UTF-8 without U+0000, which the job store can't hold) goes out as a string; any other
     * bytes go out whole as base64, with {@code <name>Encoding: "base64"} saying so.
     */
    private record Captured(byte[] bytes, long total, boolean truncated) {
        void put(ObjectNode result, String name) {
            String text = text(truncated ? withoutCutCharacter(bytes) : bytes);
            if (text != null) {
                result.put(name, text);
            } else {
                result.put(name, Base64.getEncoder().encodeToString(bytes));
                result.put(name + "Encoding", "base64");
            }
            if (truncated) {
                result.put(name + "Truncated", true);
                result.put(name + "Bytes", total);
            }
        }
    }

    /** The bytes as text, or null when they are not valid UTF-8 or hold U+0000. */
    static String text(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            return text.indexOf('\u0000') < 0 ? text : null;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Output cut at the limit may end inside a UTF-8 character: that partial character is dropped. */
    static byte[] withoutCutCharacter(byte[] bytes) {
        int start = bytes.length;
        // step back over continuation bytes (10xxxxxx) to the last character's first byte
        while (start > 0 && bytes.length - start < 3 && (bytes[start - 1] & 0xC0) == 0x80) {
            start--;
        }
        if (start == 0) {
            return bytes;
        }
        int lead = bytes[start - 1] & 0xFF;
        int length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        int have = bytes.length - (start - 1);
        return length > 1 && have < length ? Arrays.copyOf(bytes, start - 1) : bytes;
    }

    private static CompletableFuture<Captured> capture(InputStream in, int limit) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            long total = 0;
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    int keep = (int) Math.max(0, Math.min(n, limit - total));
                    kept.write(buf, 0, keep);
                    total += n;
                }
            } catch (IOException e) {
                // the program is gone; keep what was read
            }
            return new Captured(kept.toByteArray(), total, total > limit);
        });
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }
}
