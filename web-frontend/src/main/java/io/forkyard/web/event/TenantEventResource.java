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

/**
 * {@code GET /api/events?status=&type=&queue=&q=}: the caller's tenant's live job events as
 * server-sent events ({@code event: job}, {@code id: <jobId>:<seq>}), filtered as the listing
 * filters jobs ({@code status} is the event's status). Live only: nothing is replayed.
 */
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
    public Multi<OutboundSseEvent> events(
            @QueryParam("status") String status,
            @QueryParam("type") String type,
            @QueryParam("queue") String queue,
            @QueryParam("q") String q) {
        JobListing.Filter filter = JobListing.Filter.of(status, type, queue, q);
        return hub.tenantStream(sse, caller.tenant(), filter);
    }
}
