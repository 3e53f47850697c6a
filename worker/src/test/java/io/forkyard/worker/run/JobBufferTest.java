package io.forkyard.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobBufferTest {

    @Test
    void aSlotTakesTheHighestPriorityFirstAndWithinAPriorityTheOldest() throws Exception {
        JobBuffer buffer = new JobBuffer();
        List<HeldJob> jobs = new ArrayList<>();
        for (int priority : new int[] {0, 0, 9, 3, 9, 0}) {
            HeldJob job = new HeldJob(claim(priority), "default");
            jobs.add(job);
            buffer.add(job);
        }
        assertThat(buffer.urgentWaiting()).isEqualTo(2);
        assertThat(buffer.withdraw(jobs.get(1))).isTrue(); // a withdrawn job is skipped

        List<HeldJob> taken = new ArrayList<>();
        HeldJob next;
        while ((next = buffer.take(0)) != null) {
            taken.add(next);
        }

        assertThat(taken).containsExactly(jobs.get(2), jobs.get(4), jobs.get(3), jobs.get(0), jobs.get(5));
        assertThat(buffer.waiting()).isZero();
        assertThat(buffer.urgentWaiting()).isZero();
    }

    private static ClaimedJob claim(int priority) {
        return new ClaimedJob(
                UUID.randomUUID(),
                "noop",
                "{}",
                1,
                3,
                30,
                UUID.randomUUID(),
                Instant.now(),
                Instant.now(),
                priority,
                false);
    }
}
