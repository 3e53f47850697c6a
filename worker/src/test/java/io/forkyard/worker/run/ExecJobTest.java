package io.forkyard.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import io.forkyard.worker.pool.ChildLauncher;
import io.forkyard.worker.pool.ChildOutcome;
import io.forkyard.worker.pool.ChildPool;
import io.forkyard.worker.pool.TestPools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code exec} through a real child: allow-list, literal arguments, scrubbed environment. */
class ExecJobTest {

    private static ChildPool pool;
    private final ExecPolicy policy = new ExecPolicy(List.of("/bin/echo", "/usr/bin/env"), false, 1 << 20);

    @BeforeAll
    static void startPool() {
        pool = new ChildPool(
                        ChildLauncher.javaChild("64m", List.of(), "exec-" + UUID.randomUUID()),
                        TestPools.settings(1, 100))
                .start();
    }

    @AfterAll
    static void closePool() {
        pool.close();
    }

    @Test
    void shellSyntaxInArgumentsIsPassedAsLiteralDataAndNeverExecuted() throws Exception {
        String tag = UUID.randomUUID().toString();
        Path x = Path.of("/tmp/x-" + tag);
        Path y = Path.of("/tmp/y-" + tag);
        Path z = Path.of("/tmp/z-" + tag);
        String[] args = {"; touch " + x, "$(touch " + y + ")", "`touch " + z + "`", "&& reboot", "| cat /etc/shadow"};

        JsonNode result = succeed(exec("echo", args));

        assertThat(result.get("exitCode").asInt()).isZero();
        assertThat(result.get("stdout").asText()).isEqualTo(String.join(" ", args) + "\n");
        assertThat(Files.exists(x)).isFalse();
        assertThat(Files.exists(y)).isFalse();
        assertThat(Files.exists(z)).isFalse();
    }

    @Test
    void optionLikeArgumentsAreRejectedUnlessTheOperatorAllowsThem() throws Exception {
        Path out = Path.of("/tmp/o-" + UUID.randomUUID());
        JsonNode input = exec("echo", "--output=" + out);

        ExecPolicy.Result refused = policy.apply(input);
        assertThat(refused.refusal().code()).isEqualTo(FailureCode.INVALID_INPUT);
        assertThat(refused.refusal().message()).contains("input.args[0]");

        ExecPolicy lenient = new ExecPolicy(List.of("/bin/echo"), true, 1 << 20);
        JsonNode result = run(lenient.apply(input).request());
        assertThat(result.get("stdout").asText()).isEqualTo("--output=" + out + "\n");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void programsOffTheAllowListAreRefusedBeforeAnythingRuns() throws Exception {
        ExecPolicy.Result refused = policy.apply(exec("/bin/sh", "-c", "touch /tmp/never"));

        assertThat(refused.request()).isNull();
        assertThat(refused.refusal().code()).isEqualTo(FailureCode.INVALID_INPUT);
        assertThat(refused.refusal().message()).contains("not on this worker's allow-list");
        assertThat(new ExecPolicy(List.of(), false, 1)
                        .apply(exec("echo"))
                        .refusal()
                        .message())
                .contains("the list is empty");
    }

    @Test
    void programsSeeOnlyTheScrubbedEnvironment() throws Exception {
        JsonNode result = succeed(exec("env"));

        // The child's environment is built from nothing; the program inherits exactly that.
        String tmp = System.getProperty("java.io.tmpdir");
        assertThat(result.get("exitCode").asInt()).isZero();
        assertThat(result.get("stdout").asText().lines())
                .containsExactlyInAnyOrder(
                        "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=" + tmp, "TMPDIR=" + tmp);
    }

    private JsonNode succeed(JsonNode input) throws Exception {
        ExecPolicy.Result allowed = policy.apply(input);
        assertThat(allowed.refusal()).isNull();
        return run(allowed.request());
    }

    private static JsonNode run(JsonNode request) throws Exception {
        ChildOutcome outcome = TestPools.run(pool, "exec", request, Duration.ofSeconds(20));
        assertThat(outcome).isInstanceOf(ChildOutcome.Success.class);
        return ((ChildOutcome.Success) outcome).result();
    }

    private static JsonNode exec(String program, String... args) {
        var input = Json.MAPPER.createObjectNode().put("program", program);
        var array = input.putArray("args");
        for (String a : args) {
            array.add(a);
        }
        return input;
    }
}
