package io.forkyard.web.stats;

import io.forkyard.web.auth.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /api/stats}: what the dashboard plots. */
@Path("/api/stats")
@Tag(name = "stats", description = "Throughput, latency, queue depth and workers")
public class StatsResource {

    @Inject
    JobStats stats;

    @Inject
    Caller caller;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "getStats",
            summary = "Throughput, latency, queue depth and workers",
            description = "The caller's tenant's jobs finished in each of the last 60 minutes (counts by final"
                    + " status; latency from submit to finish and run time, p50/p95/max in ms), its QUEUED and"
                    + " RUNNING jobs per queue, and every live worker with its child pool (slots, busy, idle,"
                    + " buffered) from its heartbeat.")
    @APIResponse(responseCode = "200", description = "The stats")
    public Stats get() {
        return stats.of(caller.tenant());
    }
}
