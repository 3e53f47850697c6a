package io.forkyard.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import io.forkyard.testing.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Children that misbehave in every way the pool must survive, as real processes: each test checks
 * the job's outcome and code, that the pool is back to full strength, and that no process is left.
 */
class ChildFaultsTest {

    private static final int SIZE = 2;
    private String marker;
    private String grandchildMarker;
    private ChildPool pool;

    @BeforeEach
    void startPool() {
        marker = "faults-" + UUID.randomUUID();
        grandchildMarker = "grandchild-" + UUID.randomUUID();
        pool = new ChildPool(
                        ChildLauncher.javaChild("64m", List.of(), marker, List.of(Path.of("target", "test-classes"))),
                        TestPools.settings(SIZE, 100))
                .start();
    }

    @AfterEach
    void closePool() {
        TestPools.close(pool, marker);
        assertThat(Processes.withMarker(grandchildMarker)).isEmpty();
    }

    @Test
    void childThatExitsMidJobFailsItWithChildCrashedAndItsStatus() throws Exception {
        ChildOutcome.Failure failure = failure("{\"do\":\"exit\",\"status\":7}", Duration.ofSeconds(20));

        assertThat(failure.code()).isEqualTo(FailureCode.CHILD_CRASHED);
        assertThat(failure.message()).contains("status 7").contains("chaos:");
        assertThat(failure.retryable()).isTrue();
        assertBackToFullStrength("crashed");
    }

    @Test
    void childKilledByASignalFailsItWithChildCrashedNamingTheSignal() throws Exception {
        ChildOutcome.Failure failure = failure("{\"do\":\"signal\"}", Duration.ofSeconds(20));

        assertThat(failure.code()).isEqualTo(FailureCode.CHILD_CRASHED);
        assertThat(failure.message()).contains("signal 9");
        assertBackToFullStrength("crashed");
    }

    @Test
    void hungChildAndItsHungGrandchildAreKilledAndTheJobFailsWithTimeout() throws Exception {
        ChildOutcome.Failure failure =
                failure("{\"do\":\"hang\",\"grandchildMarker\":\"" + grandchildMarker + "\"}", Duration.ofSeconds(2));

        assertThat(failure.code()).isEqualTo(FailureCode.TIMEOUT);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> Processes.withMarker(grandchildMarker).isEmpty());
        assertBackToFullStrength("timeout");
    }

    @Test
    void childFloodingStdoutAndStderrFailsWithOutputLimitWithoutExhaustingTheWorker() throws Exception {
        ChildOutcome.Failure failure =
                failure("{\"do\":\"flood\",\"stderrMegabytes\":10,\"stdoutMegabytes\":100}", Duration.ofSeconds(30));

        assertThat(failure.code()).isEqualTo(FailureCode.OUTPUT_LIMIT);
        assertThat(failure.retryable()).isFalse();
        assertBackToFullStrength("output-limit");
    }

    @Test
    void childFloodingOnlyStdoutFailsWithOutputLimit() throws Exception {
        ChildOutcome.Failure failure = failure("{\"do\":\"flood\",\"stdoutMegabytes\":100}", Duration.ofSeconds(30));

        assertThat(failure.code()).isEqualTo(FailureCode.OUTPUT_LIMIT);
        assertThat(failure.message()).contains("stdout");
        assertBackToFullStrength("output-limit");
    }

    @Test
    void childAllocatingPastItsHeapFailsWithMemoryLimit() throws Exception {
        ChildOutcome.Failure failure = failure("{\"do\":\"oom\"}", Duration.ofSeconds(30));

        assertThat(failure.code()).isEqualTo(FailureCode.MEMORY_LIMIT);
        assertThat(failure.retryable()).isFalse();
        assertBackToFullStrength("memory-limit");
    }

    @Test
    void garbageOnStdoutIsKeptForTheMessageAndTheChildIsRetired() throws Exception {
        ChildOutcome.Failure failure = failure("{\"do\":\"garbage\"}", Duration.ofSeconds(20));

        assertThat(failure.code()).isEqualTo(FailureCode.PROTOCOL_ERROR);
        assertThat(failure.message()).contains("Hello from a stray print");
        assertBackToFullStrength("protocol-error");
    }

    /** A handler knows better than a code's default: its word on retrying reaches the job. */
    @Test
    void aChildsOwnWordOnRetryingWinsOverItsCodesDefault() throws Exception {
        ChildOutcome notRetryable = TestPools.run(
                pool,
                "chaos",
                Json.MAPPER.readTree("{\"do\":\"fail\",\"code\":\"JOB_ERROR\",\"retryable\":false}"),
                Duration.ofSeconds(20));
        ChildOutcome byDefault = TestPools.run(
                pool,
                "chaos",
                Json.MAPPER.readTree("{\"do\":\"fail\",\"code\":\"JOB_ERROR\"}"),
                Duration.ofSeconds(20));

        assertThat(notRetryable).isEqualTo(new ChildOutcome.Failure(FailureCode.JOB_ERROR, "failed on purpose", false));
        assertThat(byDefault).isEqualTo(new ChildOutcome.Failure(FailureCode.JOB_ERROR, "failed on purpose", true));
        assertThat(pool.evictions()).isEmpty(); // a clean failure leaves the child in the pool
    }

    private ChildOutcome.Failure failure(String input, Duration timeout) throws Exception {
        TestPools.Ran ran = TestPools.runOnIdleChild(
                pool, UUID.randomUUID().toString(), "chaos", Json.MAPPER.readTree(input), timeout, ChildListener.NONE);
        long pid = ran.pid();
        ChildOutcome outcome = ran.outcome();
        assertThat(outcome).isInstanceOf(ChildOutcome.Failure.class);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        return (ChildOutcome.Failure) outcome;
    }

    private void assertBackToFullStrength(String evictionReason) {
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.alive() == SIZE && pool.idle() == SIZE);
        assertThat(pool.evictions()).containsEntry(evictionReason, 1L);
        assertThat(Processes.withMarker(marker)).hasSize(SIZE);
    }
}
