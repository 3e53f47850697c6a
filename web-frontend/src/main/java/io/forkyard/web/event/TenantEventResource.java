package io.forkyard.web.event;

import io.forkyard.web.auth.Caller;
import io.forkyard.web.job.JobListing;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /api/events?status=&type=&queue=&q=}: the caller's tenant's live job events as
 * server-sent events ({@code event: job}, {@code id: <jobId>:<seq>}), filtered as the listing
 * filters jobs ({@code status} is the event's status). Live only: nothing is replayed.
 */
@Tag(name = "events", description = "Live job events (server-sent events)")
@Path("/api/events")
public class TenantEventResource {

    @Inject
    Caller caller;

    @Inject
    EventHub hub;

    @Context
    Sse sse;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(
            operationId = "followTenant",
            summary = "Follow the tenant's jobs",
            description = "The tenant's live job events as server-sent events (`event: job`, `id:"
                    + " <jobId>:<seq>`), filtered as the listing; `status` filters the event's status. Live"
                    + " only: a client that reconnects reloads the listing.")
    @Parameter(name = "status", in = ParameterIn.QUERY, description = "QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED")
    @Parameter(name = "type", in = ParameterIn.QUERY, description = "a job type")
    @Parameter(name = "queue", in = ParameterIn.QUERY, description = "a queue")
    @Parameter(name = "q", in = ParameterIn.QUERY, description = "the start of a job id")
    @APIResponse(responseCode = "200", description = "The event stream (`text/event-stream`)")
    @APIResponse(responseCode = "400", description = "`invalid-parameter`, naming the parameter")
    public Multi<OutboundSseEvent> events(
            @QueryParam("status") String status,
            @QueryParam("type") String type,
            @QueryParam("queue") String queue,
            @QueryParam("q") String q) {
        JobListing.Filter filter = JobListing.Filter.of(status, type, queue, q);
        return hub.tenantStream(sse, caller.tenant(), filter);
    }
}
