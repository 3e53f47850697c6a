package io.forkyard.web.job;

import io.forkyard.web.WebConfig;
import io.forkyard.web.auth.Caller;
import io.forkyard.web.dispatch.OutboxRelay;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Bulk retry and cancel (README "Bulk actions"). */
@Path("/api/jobs/bulk")
@Tag(name = "jobs")
public class JobBulkResource {

    @Inject
    JobBulk bulk;

    @Inject
    OutboxRelay relay;

    @Inject
    WebConfig config;

    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "applyBulkAction",
            summary = "Retry or cancel many jobs",
            description = "Applies `retry` or `cancel` to a list of at most 1,000 job ids (one transaction), or to"
                    + " every job of the caller's tenant that matches a filter (the listing's filters; chunks of"
                    + " `bulk.chunk-size` jobs, one transaction each). Same rules as the single verbs: cancel"
                    + " changes QUEUED (to CANCELLED) and RUNNING (cancel requested) jobs, retry changes FAILED"
                    + " and CANCELLED ones (to QUEUED). Ids of no job of the tenant are not matched and never"
                    + " touched.")
    @RequestBody(
            required = true,
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = BulkBody.class),
                            examples = {
                                @ExampleObject(
                                        name = "by ids",
                                        value = "{\"action\": \"cancel\", \"ids\":"
                                                + " [\"0b8e5f7c-3f5e-4f8e-9d4c-3c1f2a6b7d90\"]}"),
                                @ExampleObject(
                                        name = "by filter",
                                        value = "{\"action\": \"retry\", \"filter\": {\"status\": \"FAILED\","
                                                + " \"type\": \"sha256\"}}")
                            }))
    @APIResponse(
            responseCode = "200",
            description = "What was done: `matched` jobs of the tenant, `changed` of them, and the first 100"
                    + " unchanged ones with the status that kept them")
    @APIResponse(
            responseCode = "400",
            description = "`invalid-bulk-request` naming each bad field (`action`, `ids`, `ids[3]`,"
                    + " `filter.status`, an unknown field), or `malformed-json`; nothing changed")
    @APIResponse(responseCode = "413", description = "`body-too-large`")
    @APIResponse(responseCode = "415", description = "`unsupported-media-type`: the body is not application/json")
    public JobBulk.Outcome apply(byte[] body) {
        JobBulkRequest request = JobBulkRequest.parse(body, config.maxBodyBytes());
        String tenant = caller.tenant();
        JobBulk.Outcome outcome = request.ids() != null
                ? bulk.byIds(request.action(), request.ids(), tenant)
                : bulk.byFilter(request.action(), request.filter(), tenant);
        if (request.action() == JobBulk.Action.RETRY && outcome.changed() > 0) {
            relay.wakeUp();
        }
        return outcome;
    }

    /** The request body, for the API document (the resource reads it field by field). */
    @Schema(name = "BulkRequest", description = "Exactly one of `ids` and `filter`.")
    record BulkBody(
            @Schema(
                    required = true,
                    enumeration = {"retry", "cancel"})
            String action,

            @Schema(description = "1 to 1,000 job ids; duplicates count once", maxItems = 1000)
            java.util.List<java.util.UUID> ids,

            @Schema(description = "Every job of the tenant matching all given fields")
            BulkFilter filter) {}

    /** The filter of a bulk request: the listing's filters. */
    @Schema(name = "BulkFilter")
    record BulkFilter(
            @Schema(enumeration = {"QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"})
            String status,

            @Schema(description = "a job type") String type,
            @Schema(description = "a queue") String queue,
            @Schema(description = "the start of a job id") String q,

            @Schema(description = "a batch id: the jobs of that batch submit")
            String batch) {}
}
