package io.forkyard.worker.pool;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import io.forkyard.protocol.Frame;
import io.forkyard.protocol.FrameWriter;
import io.forkyard.worker.child.ChildHandler;
import io.forkyard.worker.child.JobFailure;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test-only job type, {@code chaos}, that misbehaves on request inside a real child JVM: {@code
 * {"do": "exit" | "signal" | "hang" | "flood" | "oom" | "garbage" | "answer-another-id" | "fail",
 * ...}}; {@code fail} reports a failure with {@code code} and, if given, {@code retryable}; {@code
 * hang} with a {@code grandchildMarker} first starts a hung grandchild ({@link Grandchild}) carrying
 * it.
 *
 * <p>It can also keep its child from starting: with the system property {@value #READY_AFTER} set
 * to a file, the child (which loads its handlers before it sends {@code ready}) waits until that
 * file exists.
 */
public final class ChaosHandler implements ChildHandler {

    /** System property naming a file: the child sends no {@code ready} before the file exists. */
    public static final String READY_AFTER = "forkyard.chaos.ready-after";

    /** The id the {@code answer-another-id} misbehaviour answers with. */
    public static final String ANOTHER_ID = "another-request";

    public ChaosHandler() {
        String readyAfter = System.getProperty(READY_AFTER);
        if (readyAfter == null) {
            return;
        }
        // Bounded, so that a child nobody kills can't outlive the test run for long.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        try {
            while (!Files.exists(Path.of(readyAfter)) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String type() {
        return "chaos";
    }

    @Override
    public JsonNode handle(JsonNode input, Progress progress) throws Exception {
        progress.report(1, "about to misbehave");
        System.err.println("chaos: " + input);
        switch (input.path("do").asText()) {
            case "exit" -> Runtime.getRuntime().halt(input.path("status").asInt(7));
            case "signal" ->
                new ProcessBuilder(
                                "/bin/kill",
                                "-KILL",
                                Long.toString(ProcessHandle.current().pid()))
                        .start()
                        .waitFor();
            case "hang" -> {
                if (input.hasNonNull("grandchildMarker")) {
                    new ProcessBuilder(
                                    Path.of(System.getProperty("java.home"), "bin", "java")
                                            .toString(),
                                    "-Xmx16m",
                                    "-XX:+UseSerialGC",
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    Grandchild.class.getName(),
                                    input.get("grandchildMarker").asText())
                            .start();
                }
                Thread.sleep(Long.MAX_VALUE);
            }
            case "flood" -> {
                byte[] chunk = new byte[1 << 20];
                Arrays.fill(chunk, (byte) 'x');
                for (int i = 0; i < input.path("stderrMegabytes").asInt(0); i++) {
                    System.err.write(chunk, 0, chunk.length);
                }
                System.err.flush();
                OutputStream stdout = new FileOutputStream(FileDescriptor.out);
                for (int i = 0; i < input.path("stdoutMegabytes").asInt(0); i++) {
                    stdout.write(chunk);
                }
                stdout.flush();
            }
            case "oom" -> {
                List<byte[]> hoard = new ArrayList<>();
                while (true) {
                    hoard.add(new byte[1 << 20]);
                }
            }
            case "garbage" -> {
                OutputStream stdout = new FileOutputStream(FileDescriptor.out);
                stdout.write("Hello from a stray print\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                stdout.flush();
                Thread.sleep(10_000);
            }
            case "answer-another-id" -> {
                // A well-formed result, but for a request this child was never sent.
                new FrameWriter(new FileOutputStream(FileDescriptor.out))
                        .write(Frame.result(ANOTHER_ID, Json.MAPPER.createObjectNode()));
                Thread.sleep(10_000);
            }
            case "fail" -> {
                FailureCode code = FailureCode.valueOf(input.path("code").asText());
                throw input.has("retryable")
                        ? new JobFailure(
                                code,
                                "failed on purpose",
                                input.get("retryable").asBoolean())
                        : new JobFailure(code, "failed on purpose");
            }
            default -> throw new IllegalArgumentException("unknown chaos " + input);
        }
        return Json.MAPPER.createObjectNode();
    }

    /** A program that only sleeps: the hung grandchild; its argument is the marker tests look for. */
    public static final class Grandchild {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(3_600_000);
        }
    }
}
