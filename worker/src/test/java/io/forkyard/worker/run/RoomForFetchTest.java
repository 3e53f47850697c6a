package io.forkyard.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a worker may fetch: {@code JobRunners.roomForFetch(peersIdle, free, waiting, fetchSize, prefetch)}. */
class RoomForFetchTest {

    private static final int FETCH = 16;
    private static final int PREFETCH = 32;

    @Test
    void anIdleWorkerFetchesEvenWhenAnotherWorkerIsIdleToo() {
        // two idle workers with one slot each: each sees the other idle, and both must still fetch
        assertThat(JobRunners.roomForFetch(true, 1, 0, FETCH, PREFETCH)).isTrue();
        assertThat(JobRunners.roomForFetch(true, 2, 1, FETCH, PREFETCH)).isTrue();
    }

    @Test
    void whileAnotherWorkerIsIdleNoFetchForJobsThatWouldOnlyWait() {
        assertThat(JobRunners.roomForFetch(true, 0, 0, FETCH, PREFETCH))
                .as("no free slot")
                .isFalse();
        assertThat(JobRunners.roomForFetch(true, 1, 1, FETCH, PREFETCH))
                .as("the free slot has a job waiting")
                .isFalse();
        assertThat(JobRunners.roomForFetch(true, 2, FETCH, FETCH, PREFETCH))
                .as("a fetch under way covers the free slots")
                .isFalse();
    }

    @Test
    void otherwiseAFetchMustFitTheFreeSlotsPlusThePrefetch() {
        assertThat(JobRunners.roomForFetch(false, 0, PREFETCH - FETCH, FETCH, PREFETCH))
                .isTrue();
        assertThat(JobRunners.roomForFetch(false, 0, PREFETCH - FETCH + 1, FETCH, PREFETCH))
                .isFalse();
        assertThat(JobRunners.roomForFetch(false, 2, PREFETCH - FETCH + 2, FETCH, PREFETCH))
                .isTrue();
    }
}
