package io.forkyard.web.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.forkyard.job.JobStatus;
import io.forkyard.web.job.JobView;
import java.time.Instant;
import java.util.UUID;

/**
 * One change of a job's status or progress (README "Live events"): the value of a record on the
 * events topic (keyed by job id, the tenant in a header) and the {@code data} of an SSE event.
 * {@code seq} numbers a job's events from 1 (the submit, QUEUED) by one, with no gap. Fields are
 * only ever added.
 */
public record JobEvent(
        UUID jobId,
        int seq,
        String status,
        JobView.Progress progress,
        Instant at,
        String type,
        String queue,
        UUID batchId) {

    /** Whether the job is finished with this event (its stream ends after it); not a field. */
    @JsonIgnore
    public boolean isFinal() {
        return JobStatus.valueOf(status).isFinal();
    }
}
