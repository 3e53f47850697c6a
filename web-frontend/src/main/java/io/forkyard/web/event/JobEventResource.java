package io.forkyard.web.event;

import io.forkyard.db.StoreException;
import io.forkyard.jobtype.Violations;
import io.forkyard.web.auth.Caller;
import io.forkyard.web.job.JobResource;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /api/jobs/{id}/events}: a job's events as server-sent events ({@code event: job},
 * {@code id: <seq>}, {@code data: <job event JSON>}), from the first (or after {@code
 * Last-Event-ID}) out of PostgreSQL, then live; the server ends the stream after a final status.
 */
@Tag(name = "events", description = "Live job events (server-sent events)")
@Path("/api/jobs/{id}/events")
public class JobEventResource {

    @Inject
    Caller caller;

    @Inject
    EventHub hub;

    @Inject
    JobEventHistory history;

    @Context
    Sse sse;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(
            operationId = "followJob",
            summary = "Follow a job",
            description = "The job's events as server-sent events: `event: job`, `id: <seq>`, `data:` a job"
                    + " event `{jobId, seq, status, progress, at, type, queue}`. First its history from"
                    + " PostgreSQL (from seq 1, or after `Last-Event-ID`), then live; seqs increase by one"
                    + " with no gap or repeat. The server ends the stream after a final status.")
    @Parameter(
            name = "Last-Event-ID",
            in = ParameterIn.HEADER,
            description = "the last seq received: the stream resumes after it")
    @APIResponse(responseCode = "200", description = "The event stream (`text/event-stream`)")
    @APIResponse(responseCode = "400", description = "`invalid-parameter`: a `Last-Event-ID` the job has not reached")
    @APIResponse(responseCode = "404", description = "`job-not-found`")
    @Blocking
    public Multi<OutboundSseEvent> events(
            @PathParam("id") String id, @HeaderParam("Last-Event-ID") String lastEventId) {
        String tenant = caller.tenant();
        UUID jobId = JobResource.parseId(id);
        JobEventHistory.Page job;
        try {
            job = history.after(jobId, tenant, Integer.MAX_VALUE).orElseThrow(JobResource::notFound);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
        return hub.jobStream(sse, jobId, tenant, lastSeq(lastEventId, job.lastSeq()));
    }

    /** The seq after which to start: 0 without the header; one this job has not reached is a 400. */
    private static int lastSeq(String header, int jobsLastSeq) {
        if (header == null || header.isBlank()) {
            return 0;
        }
        try {
            int seq = Integer.parseInt(header.trim());
            if (seq >= 0 && seq <= jobsLastSeq) {
                return seq;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        String message = "must be the id of an event of this stream, 0 to " + jobsLastSeq + ", was " + header;
        throw new ProblemException(Problem.of(
                "invalid-parameter",
                "Invalid parameter",
                400,
                "Last-Event-ID: " + message,
                List.of(new Violations.Violation("Last-Event-ID", message))));
    }
}
