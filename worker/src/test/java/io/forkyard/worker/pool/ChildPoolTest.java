package io.forkyard.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import io.forkyard.testing.Processes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChildPoolTest {

    private String marker;
    private ChildPool pool;

    @BeforeEach
    void startPool() {
        marker = "pooltest-" + UUID.randomUUID();
        pool = new ChildPool(ChildLauncher.javaChild("64m", List.of(), marker), TestPools.settings(2, 3)).start();
    }

    @AfterEach
    void closePool() {
        TestPools.close(pool, marker);
    }

    @Test
    void sha256ChainComputedInAChildMatchesAnIndependentComputation() throws Exception {
        ChildOutcome outcome = run("sha256", "{\"text\":\"forkyard\",\"rounds\":1000}", Duration.ofSeconds(30));

        assertThat(outcome).isInstanceOf(ChildOutcome.Success.class);
        assertThat(((ChildOutcome.Success) outcome).result().get("hex").asText())
                .isEqualTo(sha256Chain("forkyard".getBytes(StandardCharsets.UTF_8), 1000));
    }

    @Test
    void childrenAreReusedAcrossJobsAndRecycledAfterTheirQuota() throws Exception {
        List<Long> before = pool.pids();
        assertThat(before).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(run("noop", "{}", Duration.ofSeconds(10))).isInstanceOf(ChildOutcome.Success.class);
        }
        assertThat(pool.pids()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(pool.evictions()).doesNotContainKey("recycled");

        for (int i = 0; i < 6; i++) {
            run("noop", "{}", Duration.ofSeconds(10));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.alive() == 2 && pool.idle() == 2);
        assertThat(pool.evictions().get("recycled")).isGreaterThanOrEqualTo(2L);
        // New processes, not the old ones in another order: the two sets share no pid.
        List<Long> after = pool.pids();
        assertThat(after).hasSize(2).doesNotContainAnyElementsOf(before);
        await().atMost(Duration.ofSeconds(30)).until(() -> before.stream().noneMatch(ChildPoolTest::alive));
        assertThat(Processes.withMarker(marker)).hasSize(2);
    }

    @Test
    void jobPastItsTimeoutIsKilledAndItsSlotGetsAFreshChild() throws Exception {
        List<Long> before = pool.pids();
        TestPools.Ran ran = TestPools.runOnIdleChild(
                pool,
                "r1",
                "sha256",
                Json.MAPPER.readTree("{\"text\":\"x\",\"rounds\":100000000}"),
                Duration.ofSeconds(1),
                ChildListener.NONE);
        long timedOut = ran.pid();
        ChildOutcome outcome = ran.outcome();

        assertThat(outcome).isInstanceOfSatisfying(ChildOutcome.Failure.class, f -> {
            assertThat(f.code()).isEqualTo(FailureCode.TIMEOUT);
            assertThat(f.retryable()).isTrue();
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.alive() == 2 && pool.idle() == 2);
        assertThat(pool.evictions().get("timeout")).isEqualTo(1L);
        assertThat(alive(timedOut)).as("the child that timed out is killed").isFalse();
        List<Long> after = pool.pids();
        assertThat(after)
                .as("the other child is kept, the killed one replaced by a new process")
                .hasSize(2)
                .doesNotContain(timedOut)
                .containsAll(before.stream().filter(pid -> pid != timedOut).toList());
        assertThat(Processes.withMarker(marker)).hasSize(2);
    }

    @Test
    void invalidInputIsANonRetryableFailureAndKeepsTheChild() throws Exception {
        List<Long> before = pool.pids();

        ChildOutcome outcome = run("sha256", "{\"text\":\"x\",\"rounds\":0}", Duration.ofSeconds(10));

        assertThat(outcome).isInstanceOfSatisfying(ChildOutcome.Failure.class, f -> {
            assertThat(f.code()).isEqualTo(FailureCode.INVALID_INPUT);
            assertThat(f.message()).contains("input.rounds");
            assertThat(f.retryable()).isFalse();
        });
        assertThat(pool.pids()).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void aStopRequestKillsTheChildAndItsSlotGetsAFreshChild() throws Exception {
        List<Long> before = pool.pids();
        AtomicBoolean stopRequested = new AtomicBoolean();
        TestPools.Ran ran = TestPools.runOnIdleChild(
                pool,
                "r1",
                "sha256",
                // seconds of work: left alone it would succeed; only the stop ends it as Stopped
                Json.MAPPER.readTree("{\"text\":\"x\",\"rounds\":100000000}"),
                Duration.ofSeconds(60),
                new ChildListener() {
                    @Override
                    public void progress(int percent, String message) {
                        stopRequested.set(true); // the child is at work: stop it
                    }

                    @Override
                    public boolean stopRequested() {
                        return stopRequested.get();
                    }
                });
        long stopped = ran.pid();
        ChildOutcome outcome = ran.outcome();
        assertThat(outcome).isEqualTo(new ChildOutcome.Stopped());
        await().atMost(Duration.ofSeconds(30)).until(() -> !alive(stopped));
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.alive() == 2 && pool.idle() == 2);
        assertThat(pool.evictions().get("stopped")).isEqualTo(1L);
        assertThat(pool.pids())
                .doesNotContain(stopped)
                .containsAll(before.stream().filter(pid -> pid != stopped).toList());
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private ChildOutcome run(String type, String input, Duration timeout) throws Exception {
        return TestPools.run(pool, type, Json.MAPPER.readTree(input), timeout);
    }

    /** An independent SHA-256 chain: d₀ = input, dᵢ = SHA-256(dᵢ₋₁). */
    static String sha256Chain(byte[] input, int rounds) throws Exception {
        byte[] d = input;
        for (int i = 0; i < rounds; i++) {
            d = MessageDigest.getInstance("SHA-256").digest(d);
        }
        return HexFormat.of().formatHex(d);
    }
}
