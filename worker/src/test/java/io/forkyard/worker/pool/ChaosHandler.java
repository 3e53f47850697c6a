package io.forkyard.worker.pool;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import io.forkyard.worker.child.ChildHandler;
import io.forkyard.worker.child.JobFailure;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A test-only job type, {@code chaos}, that misbehaves on request inside a real child JVM: {@code
 * {"do": "exit" | "signal" | "hang" | "flood" | "oom" | "garbage" | "fail", ...}}; {@code fail}
 * reports a failure with {@code code} and, if given, {@code retryable}.
 */
public final class ChaosHandler implements ChildHandler {

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
                                    "/usr/bin/perl",
                                    "-e",
                                    "sleep 3600",
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
}
