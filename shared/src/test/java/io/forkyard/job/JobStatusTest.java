package io.forkyard.job;

import static io.forkyard.job.JobStatus.CANCELLED;
import static io.forkyard.job.JobStatus.FAILED;
import static io.forkyard.job.JobStatus.QUEUED;
import static io.forkyard.job.JobStatus.RUNNING;
import static io.forkyard.job.JobStatus.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JobStatusTest {

    @Test
    void aQueuedJobCanStartOrBeCancelledButNotFinishWithoutRunning() {
        assertThat(QUEUED.successors()).containsExactlyInAnyOrder(RUNNING, CANCELLED);
    }

    @Test
    void aRunningJobCanEndAnyWayOrGoBackToTheQueue() {
        assertThat(RUNNING.successors()).containsExactlyInAnyOrder(SUCCEEDED, FAILED, CANCELLED, QUEUED);
    }

    @Test
    void onlyFailedAndCancelledJobsCanBeRetriedAndSucceededIsForever() {
        assertThat(FAILED.successors()).containsExactly(QUEUED);
        assertThat(CANCELLED.successors()).containsExactly(QUEUED);
        assertThat(SUCCEEDED.successors()).isEmpty();
    }

    @Test
    void anIllegalTransitionIsRefusedWithBothStatesNamed() {
        assertThatThrownBy(() -> JobStatus.requireTransition(SUCCEEDED, RUNNING))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SUCCEEDED -> RUNNING");
    }

    @Test
    void finishedStatesAreFinal() {
        assertThat(SUCCEEDED.isFinal()).isTrue();
        assertThat(FAILED.isFinal()).isTrue();
        assertThat(CANCELLED.isFinal()).isTrue();
        assertThat(QUEUED.isFinal()).isFalse();
        assertThat(RUNNING.isFinal()).isFalse();
    }
}
