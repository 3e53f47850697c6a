package io.forkyard.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import io.forkyard.testing.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A child written in Python ({@code worker/children/word_count.py}) runs jobs through the same pool. */
class ExecutableChildTest {

    @Test
    void pythonChildCountsWordsAndReportsProgressThroughTheProtocol() throws Exception {
        String marker = "python-" + UUID.randomUUID();
        Path script = Path.of("children", "word_count.py").toAbsolutePath();
        try (ChildPool pool = new ChildPool(
                        ChildLauncher.executable(List.of("/usr/bin/python3", script.toString()), marker),
                        TestPools.settings(1, 100))
                .start()) {
            List<Integer> progress = new ArrayList<>();
            ChildPool.Slot slot = pool.borrow();
            ChildOutcome outcome;
            ChildOutcome invalid;
            try {
                ChildListener listener = new ChildListener() {
                    @Override
                    public void progress(int percent, String message) {
                        progress.add(percent);
                    }

                    @Override
                    public boolean stopRequested() {
                        return false;
                    }
                };
                JsonNode input = Json.MAPPER.readTree("{\"text\":\"one two three\\nfour five\"}");
                outcome = slot.run("r1", "word-count", input, Duration.ofSeconds(10), listener);
                invalid = slot.run(
                        "r2", "word-count", Json.MAPPER.readTree("{\"text\":5}"), Duration.ofSeconds(10), listener);
            } finally {
                pool.release(slot);
            }

            assertThat(outcome).isInstanceOfSatisfying(ChildOutcome.Success.class, s -> {
                assertThat(s.result().get("words").asInt()).isEqualTo(5);
                assertThat(s.result().get("lines").asInt()).isEqualTo(2);
                assertThat(s.result().get("characters").asInt()).isEqualTo(23);
            });
            assertThat(invalid)
                    .isInstanceOfSatisfying(
                            ChildOutcome.Failure.class,
                            f -> assertThat(f.code()).isEqualTo(FailureCode.INVALID_INPUT));
            assertThat(progress).contains(0);
            assertThat(Processes.withMarker(marker)).hasSize(1);
        }
    }
}
