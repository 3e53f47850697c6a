package io.forkyard.job;

import static io.forkyard.job.JobStatus.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The guard itself. Whether the table is right is tested where the transitions happen: the
 * {@code JobStatusTransitionsTest}s of the worker and the web tier run every status-changing
 * statement against jobs in every status and check each change it made against this table and
 * against the transitions its class declares.
 */
class JobStatusTest {

    @Test
    void anIllegalTransitionIsRefusedWithBothStatesNamed() {
        assertThatThrownBy(() -> JobStatus.requireTransition(SUCCEEDED, JobStatus.RUNNING))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SUCCEEDED -> RUNNING");
    }
}
