package io.forkyard.messaging;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The record the relay publishes to a queue topic, keyed by its (first) job's id. It carries ids,
 * not the payload: the worker reads the input from the job row when it claims the job. Fields are
 * only ever added.
 *
 * <p>An <b>envelope</b> (DESIGN.md "Data flow" 2): when a relay round finds several due jobs of one
 * queue and type, one record carries up to {@link #MAX_JOBS} of them, the first in {@code jobId}
 * (its trace in the record's {@code traceparent} header) and the others in {@code more}, each with
 * its own trace. A job alone has no {@code more}, and its record is what it was before envelopes.
 *
 * @param more the envelope's other jobs, of the same queue and type; empty for a job alone
 */
public record JobDispatch(
        UUID jobId,
        String type,
        Instant dispatchedAt,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Enveloped> more) {

    /**
     * Most jobs one record carries. A worker's fetch asks for its fetch size divided by this many
     * records, so what one fetch brings never exceeds what the worker reserved room for.
     */
    public static final int MAX_JOBS = 4;

    /** Another job of an envelope, and the traceparent of its publish (null: untraced). */
    public record Enveloped(
            UUID jobId,
            @JsonInclude(JsonInclude.Include.NON_NULL) String traceParent) {}

    public JobDispatch {
        more = more == null ? List.of() : List.copyOf(more);
    }

    /** A job alone. */
    public JobDispatch(UUID jobId, String type, Instant dispatchedAt) {
        this(jobId, type, dispatchedAt, List.of());
    }

    /** Every job the record carries, the first one first. */
    @JsonIgnore
    public List<UUID> jobIds() {
        List<UUID> ids = new ArrayList<>(1 + more.size());
        ids.add(jobId);
        more.forEach(m -> ids.add(m.jobId()));
        return ids;
    }
}
