package io.forkyard.web.job;

import io.forkyard.db.Jdbc;
import io.forkyard.db.StoreException;
import io.forkyard.job.JobStatus;
import io.forkyard.web.auth.Caller;
import io.forkyard.web.dispatch.OutboxRelay;
import io.forkyard.web.event.EventHub;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * A batch as one thing (README "Batches"): the jobs of one {@code POST /api/jobs/batch}, counted
 * per status, and cancelled or retried together. A batch is its jobs: there is no batch row, and
 * a batch whose jobs were all pruned is gone.
 */
@Path("/api/batches/{id}")
@Tag(name = "batches")
@Produces(MediaType.APPLICATION_JSON)
public class BatchResource {

    /**
     * One pass over the batch's jobs, on its index ({@code job_batch}): a row per status with its
     * count, each row also carrying the whole batch's first {@code created_at} and last {@code
     * finished_at}.
     */
    static final String COUNTS = """
            SELECT status, count(*), min(min(created_at)) OVER (), max(max(finished_at)) OVER ()
              FROM job WHERE batch_id = ? AND tenant = ?
             GROUP BY status
            """;

    @Inject
    DataSource dataSource;

    @Inject
    JobBulk bulk;

    @Inject
    OutboxRelay relay;

    @Inject
    Caller caller;

    @Inject
    EventHub hub;

    @Context
    Sse sse;

    /**
     * A batch's view: {@code total} jobs, {@code counts} per status (every status, 0 included),
     * {@code finished} when none is QUEUED or RUNNING, {@code progressPercent} the finished share,
     * {@code createdAt} its submit and {@code finishedAt} its last job's end (null until finished).
     * Its jobs: {@code GET /api/jobs?batch={id}}.
     */
    public record BatchView(
            UUID id,
            long total,
            Map<JobStatus, Long> counts,
            boolean finished,
            int progressPercent,
            Instant createdAt,
            Instant finishedAt,
            String jobs) {}

    @GET
    @Operation(
            operationId = "getBatch",
            summary = "A batch",
            description = "Its jobs counted per status, whether all have finished, the finished share, when it was"
                    + " submitted and when its last job ended; `jobs` is the listing of its jobs.")
    @APIResponse(responseCode = "200", description = "The batch view")
    @APIResponse(responseCode = "404", description = "`batch-not-found`")
    public BatchView get(@PathParam("id") String id) {
        return view(parse(id));
    }

    @GET
    @Path("/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(
            operationId = "followBatch",
            summary = "Follow a batch",
            description = "The live events of the batch's jobs as server-sent events (`event: job`, `id:"
                    + " <jobId>:<seq>`, each with `batchId`), as `GET /api/events` streams them. Live only: a client"
                    + " that reconnects reads the batch's view again.")
    @APIResponse(responseCode = "200", description = "The event stream (`text/event-stream`)")
    @APIResponse(responseCode = "404", description = "`batch-not-found`")
    public Multi<OutboundSseEvent> events(@PathParam("id") String id) {
        UUID batch = existing(parse(id));
        return hub.tenantStream(sse, caller.tenant(), JobListing.Filter.batch(batch, null));
    }

    @POST
    @Path("/cancel")
    @Operation(
            operationId = "cancelBatch",
            summary = "Cancel a batch",
            description = "The bulk cancel of its jobs: QUEUED ones end CANCELLED, RUNNING ones are asked to stop;"
                    + " finished ones are left as they are.")
    @APIResponse(responseCode = "200", description = "What was done, as a bulk action answers")
    @APIResponse(responseCode = "404", description = "`batch-not-found`")
    public JobBulk.Outcome cancel(@PathParam("id") String id) {
        UUID batch = existing(parse(id));
        return bulk.byFilter(JobBulk.Action.CANCEL, JobListing.Filter.batch(batch, null), caller.tenant());
    }

    @POST
    @Path("/retry-failed")
    @Operation(
            operationId = "retryFailedJobsOfBatch",
            summary = "Retry a batch's failed jobs",
            description = "The bulk retry of its FAILED jobs, with fresh attempts; the others are left as they are.")
    @APIResponse(responseCode = "200", description = "What was done, as a bulk action answers")
    @APIResponse(responseCode = "404", description = "`batch-not-found`")
    public JobBulk.Outcome retryFailed(@PathParam("id") String id) {
        UUID batch = existing(parse(id));
        JobBulk.Outcome outcome =
                bulk.byFilter(JobBulk.Action.RETRY, JobListing.Filter.batch(batch, JobStatus.FAILED), caller.tenant());
        if (outcome.changed() > 0) {
            relay.wakeUp();
        }
        return outcome;
    }

    private UUID existing(UUID batch) {
        view(batch); // 404 when the tenant has no such batch
        return batch;
    }

    private BatchView view(UUID batch) {
        return find(dataSource, batch, caller.tenant()).orElseThrow(BatchResource::notFound);
    }

    /** The view of a tenant's batch; empty when the tenant has no job in such a batch. */
    public static Optional<BatchView> find(DataSource dataSource, UUID batch, String tenant) {
        Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
        for (JobStatus status : JobStatus.values()) {
            counts.put(status, 0L);
        }
        Instant[] span = new Instant[2]; // the batch's first created_at and last finished_at
        try {
            Jdbc.autoCommit(dataSource, c -> {
                try (PreparedStatement s = c.prepareStatement(COUNTS)) {
                    s.setObject(1, batch);
                    s.setString(2, tenant);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            counts.put(JobStatus.valueOf(rs.getString(1)), rs.getLong(2));
                            span[0] = Jdbc.instant(rs.getTimestamp(3));
                            span[1] = Jdbc.instant(rs.getTimestamp(4));
                        }
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            throw new StoreException(e);
        }
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return Optional.empty();
        }
        long open = counts.get(JobStatus.QUEUED) + counts.get(JobStatus.RUNNING);
        return Optional.of(new BatchView(
                batch,
                total,
                counts,
                open == 0,
                (int) ((total - open) * 100 / total),
                span[0],
                open == 0 ? span[1] : null,
                "/api/jobs?batch=" + batch));
    }

    /** A batch id from a path; one that is not a UUID is a batch that does not exist (404). */
    private static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw notFound();
        }
    }

    private static ProblemException notFound() {
        return new ProblemException(Problem.of("batch-not-found", "Batch not found", 404, "no such batch"));
    }
}
