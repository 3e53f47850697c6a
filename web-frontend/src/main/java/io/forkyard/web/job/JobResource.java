package io.forkyard.web.job;

import io.forkyard.job.Job;
import io.forkyard.job.JobStatus;
import io.forkyard.web.WebConfig;
import io.forkyard.web.auth.Caller;
import io.forkyard.web.auth.SubmissionLimiter;
import io.forkyard.web.dispatch.OutboxRelay;
import io.forkyard.web.openapi.ApiSchemas;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The job API (README "HTTP API"). */
@Path("/api/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "jobs", description = "Submit, list, follow, cancel and retry jobs")
public class JobResource {

    private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

    @Inject
    JobSubmission submission;

    @Inject
    JobCommands commands;

    @Inject
    JobListing listing;

    @Inject
    JobAttempts attempts;

    @Inject
    OutboxRelay relay;

    @Inject
    WebConfig config;

    @Inject
    Caller caller;

    @Inject
    SubmissionLimiter limiter;

    /**
     * Submit one job: 202 once the row is committed. {@code Location} is the path itself, as the
     * contract shows it ({@code Response.location} would make it absolute).
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "submitJob",
            summary = "Submit a job",
            description = "Answered once the job is committed; a repeat with the same"
                    + " `Idempotency-Key` and body answers the same job.")
    @Parameter(
            name = "Idempotency-Key",
            in = ParameterIn.HEADER,
            description = "1 to 255 characters; makes a repeat" + " of the same request return the same job")
    @RequestBody(
            required = true,
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = ApiSchemas.Submission.class)))
    @APIResponse(
            responseCode = "202",
            description = "The job view (`QUEUED`)",
            headers = {
                @Header(
                        name = "Location",
                        description = "/api/jobs/{id}",
                        schema = @Schema(type = SchemaType.STRING, format = "uri-reference")),
                @Header(
                        name = "Retry-After",
                        description = "seconds before the first poll",
                        schema = @Schema(type = SchemaType.INTEGER))
            },
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "400", description = "`malformed-json`, `invalid-idempotency-key`")
    @APIResponse(responseCode = "413", description = "`body-too-large`")
    @APIResponse(responseCode = "415", description = "`unsupported-media-type`")
    @APIResponse(
            responseCode = "422",
            description = "`invalid-job`, `unknown-job-type` (naming each field)," + " `idempotency-key-reused`")
    @APIResponse(responseCode = "429", description = "`rate-limited`, with `Retry-After`")
    public Response submit(byte[] body, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        if (idempotencyKey != null
                && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH)) {
            throw new ProblemException(Problem.of(
                    "invalid-idempotency-key",
                    "Invalid Idempotency-Key",
                    400,
                    "the Idempotency-Key header must have 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters"));
        }
        JobCommands.NewJob job = submission.validate(body, idempotencyKey);
        limiter.take(tenant(), 1);
        JobView view = submission.insert(tenant(), job);
        relay.wakeUp();
        return Response.accepted(view)
                .header("Location", "/api/jobs/" + view.id())
                .header("Retry-After", config.retryAfterSeconds())
                .build();
    }

    /** Submit many jobs in one transaction: all are accepted or none is. */
    @POST
    @Path("/batch")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "submitJobs",
            summary = "Submit many jobs in one transaction",
            description = "All are accepted or none is; at"
                    + " most 10 × `dispatcher.batch-size` jobs; no `Idempotency-Key`.")
    @RequestBody(
            required = true,
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(type = SchemaType.ARRAY, implementation = ApiSchemas.Submission.class)))
    @APIResponse(
            responseCode = "202",
            description = "The job views, in the order submitted; `Location` is the batch they make",
            headers =
                    @Header(
                            name = "Location",
                            description = "/api/batches/{id}",
                            schema = @Schema(type = SchemaType.STRING, format = "uri-reference")),
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(type = SchemaType.ARRAY, implementation = JobView.class)))
    @APIResponse(responseCode = "400", description = "`malformed-json`")
    @APIResponse(responseCode = "413", description = "`body-too-large`")
    @APIResponse(responseCode = "415", description = "`unsupported-media-type`")
    @APIResponse(
            responseCode = "422",
            description = "`invalid-job`, `unknown-job-type`, naming each field as"
                    + " `[3].input.rounds` (`body` when it is not a non-empty array or has too many jobs)")
    @APIResponse(responseCode = "429", description = "`rate-limited`, with `Retry-After`")
    public Response submitBatch(byte[] body) {
        JobSubmission.BatchRequest request = submission.validateBatch(body);
        limiter.take(tenant(), request.jobs().size());
        JobSubmission.Batch batch = submission.insertBatch(tenant(), request);
        relay.wakeUp();
        return Response.accepted(batch.jobs())
                .header("Location", "/api/batches/" + batch.id())
                .header("Retry-After", config.retryAfterSeconds())
                .build();
    }

    /**
     * The tenant's jobs, newest first, {@code limit} (1 to 500, default 50) at a time; {@code
     * nextCursor} fetches the next page and is null on the last. Filters: {@code status}, {@code
     * type}, {@code queue}, {@code q}, the start of a job id, and {@code batch}.
     */
    @GET
    @Operation(
            operationId = "listJobs",
            summary = "List jobs",
            description = "The tenant's jobs, newest first, keyset-paged: pass"
                    + " `nextCursor` back as `cursor` (null on the last page). Filters combine.")
    @Parameter(name = "status", in = ParameterIn.QUERY, description = "QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED")
    @Parameter(name = "type", in = ParameterIn.QUERY, description = "a job type")
    @Parameter(name = "queue", in = ParameterIn.QUERY, description = "a queue")
    @Parameter(name = "q", in = ParameterIn.QUERY, description = "the start of a job id")
    @Parameter(name = "batch", in = ParameterIn.QUERY, description = "a batch id: the jobs of that batch submit")
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "1 to 500, default 50")
    @Parameter(name = "cursor", in = ParameterIn.QUERY, description = "a page's `nextCursor`")
    @APIResponse(responseCode = "200", description = "One page")
    @APIResponse(responseCode = "400", description = "`invalid-parameter`, naming the parameter")
    public JobListing.Page list(
            @QueryParam("status") String status,
            @QueryParam("type") String type,
            @QueryParam("queue") String queue,
            @QueryParam("q") String q,
            @QueryParam("batch") String batch,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        return listing.list(tenant(), status, type, queue, q, batch, limit, cursor);
    }

    /** The job's attempts, oldest first: worker, claimed, started, ended, outcome. */
    @GET
    @Path("/{id}/attempts")
    @Operation(
            operationId = "listJobAttempts",
            summary = "A job's attempts",
            description = "Oldest first: worker, claimed, started, ended, outcome" + " (null while it runs).")
    @APIResponse(responseCode = "200", description = "The attempts")
    @APIResponse(responseCode = "404", description = "`job-not-found`")
    public List<JobAttempts.Attempt> attempts(@PathParam("id") String id) {
        return attempts.of(load(id).id);
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getJob", summary = "A job", description = "Status, progress, result or error.")
    @APIResponse(responseCode = "200", description = "The job view")
    @APIResponse(responseCode = "404", description = "`job-not-found`")
    public JobView get(@PathParam("id") String id) {
        return JobView.of(load(id));
    }

    /**
     * The raw result: a binary result (an image job's PNG) with its content type, otherwise the
     * result JSON. {@code 409} until the job has succeeded.
     */
    @GET
    @Path("/{id}/result")
    @Produces(MediaType.WILDCARD)
    @Operation(
            operationId = "getJobResult",
            summary = "A job's raw result",
            description = "A binary result (an image job's PNG) with its content" + " type, otherwise the result JSON.")
    @APIResponse(
            responseCode = "200",
            description = "The result",
            content = {
                @Content(mediaType = MediaType.APPLICATION_JSON),
                @Content(mediaType = "image/png", schema = @Schema(type = SchemaType.STRING, format = "binary"))
            })
    @APIResponse(responseCode = "404", description = "`job-not-found`")
    @APIResponse(responseCode = "409", description = "`job-state-conflict`: the job has not SUCCEEDED")
    public Response result(@PathParam("id") String id) {
        Job job = load(id);
        if (job.status != JobStatus.SUCCEEDED) {
            throw conflict("job " + job.id + " is " + job.status + "; a result exists only once it has SUCCEEDED");
        }
        if (job.resultContentType != null) {
            return Response.ok(job.resultBytes, job.resultContentType).build();
        }
        return Response.ok(job.result, MediaType.APPLICATION_JSON).build();
    }

    /** Cancel: a queued job never starts; a running job's child is killed by its worker. */
    @DELETE
    @Path("/{id}")
    @Operation(
            operationId = "cancelJob",
            summary = "Cancel a job",
            description = "A QUEUED job is CANCELLED at once; a RUNNING one is stopped"
                    + " by its worker at its next heartbeat unless its attempt ends first.")
    @APIResponse(
            responseCode = "202",
            description = "The job view, `cancelRequested: true`",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", description = "`job-not-found`")
    @APIResponse(responseCode = "409", description = "`job-state-conflict`: the job has already finished")
    public Response cancel(@PathParam("id") String id) {
        UUID jobId = parseId(id);
        JobStatus before = commands.requestCancel(jobId, tenant()).orElseThrow(JobResource::notFound);
        if (before.isFinal()) {
            throw conflict("job " + jobId + " is already " + before + "; only QUEUED or RUNNING jobs can be cancelled");
        }
        return Response.accepted(JobView.of(load(id))).build();
    }

    /** Re-queue a FAILED or CANCELLED job with fresh attempts. */
    @POST
    @Path("/{id}/retry")
    @Operation(
            operationId = "retryJob",
            summary = "Retry a job",
            description = "Re-queues a FAILED or CANCELLED job with fresh attempts.")
    @APIResponse(
            responseCode = "202",
            description = "The job view (`QUEUED`)",
            headers =
                    @Header(
                            name = "Location",
                            description = "/api/jobs/{id}",
                            schema = @Schema(type = SchemaType.STRING, format = "uri-reference")),
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", description = "`job-not-found`")
    @APIResponse(responseCode = "409", description = "`job-state-conflict`: the job is not FAILED or CANCELLED")
    public Response retry(@PathParam("id") String id) {
        UUID jobId = parseId(id);
        JobStatus before = commands.requeue(jobId, tenant()).orElseThrow(JobResource::notFound);
        if (before != JobStatus.FAILED && before != JobStatus.CANCELLED) {
            throw conflict("job " + jobId + " is " + before + "; only FAILED or CANCELLED jobs can be retried");
        }
        relay.wakeUp();
        return Response.accepted(JobView.of(load(id)))
                .header("Location", "/api/jobs/" + jobId)
                .build();
    }

    private Job load(String id) {
        return Job.<Job>find("id = ?1 and tenant = ?2", parseId(id), tenant())
                .firstResultOptional()
                .orElseThrow(JobResource::notFound);
    }

    private String tenant() {
        return caller.tenant();
    }

    /** A job id from a path; one that is not a UUID is a job that does not exist (404). */
    public static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw notFound();
        }
    }

    /** The plain 404 of an unknown job, or another tenant's. */
    public static ProblemException notFound() {
        return new ProblemException(Problem.of("job-not-found", "Job not found", 404, "no such job"));
    }

    private static ProblemException conflict(String detail) {
        return new ProblemException(Problem.of("job-state-conflict", "Job state conflict", 409, detail));
    }
}
