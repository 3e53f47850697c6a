package io.forkyard.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import io.forkyard.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Children that break the protocol itself, as real processes: one never says {@code ready}, one
 * answers a request it was never sent; and a child whose replacement is slow to say {@code ready}.
 * Each test checks what the pool does with the child, that the pool serves again afterwards, and
 * that no process is left.
 */
class ChildProtocolFaultsTest {

    /** Long enough for a child JVM to start on a busy machine, short enough to fail a few times. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(5);

    private final String marker = "protocol-" + UUID.randomUUID();
    private ChildPool pool;

    @TempDir
    Path dir;

    @AfterEach
    void closePool() {
        if (pool != null) {
            TestPools.close(pool, marker);
        }
    }

    @Test
    void childThatNeverSaysReadyIsKilledAndRetriedUntilOneStarts() throws Exception {
        Path startAllowed = dir.resolve("start-allowed");
        pool = readyAfter(startAllowed, TestPools.settings(1, 100, START_TIMEOUT));

        // The first child sent no ready within the start timeout: the pool has no child to lend,
        // and can't serve (the worker takes no records for its types and is not ready).
        assertThat(pool.alive()).isZero();
        assertThat(pool.canServe()).isFalse();
        assertThat(pool.borrow(Duration.ofMillis(200))).isNull();
        assertThat(pool.lastStartFailure())
                .hasValueSatisfying(why -> assertThat(why).contains("no ready frame within " + START_TIMEOUT));
        // It keeps trying in the background, and kills every child that did not start: at most the
        // one it is waiting for now is alive, however many it tried.
        await().atMost(Duration.ofSeconds(60)).until(() -> pool.evictions().getOrDefault("start-failed", 0L) >= 2);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> Processes.withMarker(marker).size() <= 1);

        Files.createFile(startAllowed);

        await().atMost(Duration.ofSeconds(60)).until(() -> pool.alive() == 1 && pool.idle() == 1);
        assertThat(pool.canServe()).isTrue();
        assertThat(TestPools.run(pool, "noop", Json.MAPPER.readTree("{}"), Duration.ofSeconds(10)))
                .isInstanceOf(ChildOutcome.Success.class);
        assertThat(Processes.withMarker(marker)).hasSize(1);
    }

    @Test
    void aPoolWhoseEveryChildIsBeingRecycledStillServes() throws Exception {
        Path startAllowed = Files.createFile(dir.resolve("start-allowed"));
        pool = readyAfter(startAllowed, TestPools.settings(1, 1, Duration.ofSeconds(30)));
        assertThat(pool.alive()).isOne();
        Files.delete(startAllowed); // the replacement waits for the file: the recycle takes long

        // Its one child ran its quota and is being replaced: no child is alive, and yet the pool
        // serves, so a worker keeps the records it fetches instead of releasing them again and
        // again until the broker archives them (seen: the benchmark's jobs waited 2 minutes).
        assertThat(TestPools.run(pool, "noop", Json.MAPPER.readTree("{}"), Duration.ofSeconds(10)))
                .isInstanceOf(ChildOutcome.Success.class);
        assertThat(pool.alive()).isZero();
        assertThat(pool.canServe()).isTrue();

        Files.createFile(startAllowed);
        await().atMost(Duration.ofSeconds(60)).until(() -> pool.alive() == 1 && pool.idle() == 1);
        assertThat(pool.evictions()).containsEntry("recycled", 1L).doesNotContainKey("start-failed");
        assertThat(pool.canServe()).isTrue();
    }

    @Test
    void childAnsweringAnotherRequestFailsTheJobWithProtocolErrorAndIsReplaced() throws Exception {
        pool = new ChildPool(
                        ChildLauncher.javaChild("64m", List.of(), marker, List.of(Path.of("target", "test-classes"))),
                        TestPools.settings(1, 100))
                .start();
        TestPools.Ran ran = TestPools.runOnIdleChild(
                pool,
                "request-1",
                "chaos",
                Json.MAPPER.readTree("{\"do\":\"answer-another-id\"}"),
                Duration.ofSeconds(20),
                ChildListener.NONE);
        long pid = ran.pid();
        ChildOutcome outcome = ran.outcome();

        assertThat(outcome)
                .isEqualTo(new ChildOutcome.Failure(
                        FailureCode.PROTOCOL_ERROR,
                        "the child answered request " + ChaosHandler.ANOTHER_ID + " while running request-1",
                        true));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.alive() == 1 && pool.idle() == 1);
        assertThat(pool.evictions()).containsEntry("protocol-error", 1L);
        // The replacement answers its own requests: nothing of the old child's reaches it.
        ChildPool.Slot next = pool.borrow();
        try {
            assertThat(next.pid()).isNotEqualTo(pid);
            assertThat(next.run(
                            "request-2",
                            "noop",
                            Json.MAPPER.readTree("{}"),
                            Duration.ofSeconds(10),
                            ChildListener.NONE))
                    .isInstanceOf(ChildOutcome.Success.class);
        } finally {
            pool.release(next);
        }
        assertThat(Processes.withMarker(marker)).hasSize(1);
    }

    /** A started pool of chaos children, each of which says {@code ready} only once the file exists. */
    private ChildPool readyAfter(Path startAllowed, ChildPool.Settings settings) {
        return new ChildPool(
                        ChildLauncher.javaChild(
                                "64m",
                                List.of("-D" + ChaosHandler.READY_AFTER + "=" + startAllowed),
                                marker,
                                List.of(Path.of("target", "test-classes")),
                                false),
                        settings)
                .start();
    }
}
