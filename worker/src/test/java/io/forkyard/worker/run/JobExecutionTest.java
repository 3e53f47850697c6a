package io.forkyard.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.job.FailureCode;
import io.forkyard.jobtype.JobTypeCatalogue;
import io.forkyard.worker.pool.ChildLauncher;
import io.forkyard.worker.pool.ChildOutcome;
import io.forkyard.worker.pool.ChildPool;
import io.forkyard.worker.pool.TestPools;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What a slot does with a job when its pool can't give it a child. */
class JobExecutionTest {

    @Test
    void aJobWhoseChildDoesNotStartWithinTheSlotWaitFailsWithNoChildAndSaysWhy() {
        String marker = "no-child-" + UUID.randomUUID();
        ChildPool pool = new ChildPool(
                        ChildLauncher.executable(List.of("/bin/false"), marker), TestPools.settings(1, 100))
                .start();
        try {
            JobExecution execution = new JobExecution(
                    JobTypeCatalogue.instance().withExternal(List.of("never-starts")),
                    new ExecPolicy(List.of(), false, 1024),
                    Duration.ofSeconds(1),
                    JobTracing.off());
            HeldJob job = TestJobs.running(
                    new ClaimedJob(
                            UUID.randomUUID(),
                            "never-starts",
                            "{}",
                            1,
                            3,
                            30,
                            UUID.randomUUID(),
                            Instant.now(),
                            Instant.now(),
                            0,
                            false),
                    0,
                    null);

            ChildOutcome outcome = execution.run(job, pool);

            assertThat(outcome).isInstanceOfSatisfying(ChildOutcome.Failure.class, f -> {
                assertThat(f.code()).isEqualTo(FailureCode.NO_CHILD);
                assertThat(f.retryable()).isTrue();
                assertThat(f.message())
                        .contains("'never-starts'")
                        .contains("0 of 1 children alive")
                        .contains("the last start failed");
            });
        } finally {
            TestPools.close(pool, marker);
        }
    }
}
