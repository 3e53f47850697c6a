package io.forkyard.web.problem;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every kind of problem the web tier answers with: the catalogue behind {@code GET /problems/{slug}},
 * the OpenAPI document's {@code Problem} schema and README "Problem types". A problem's {@code type}
 * is {@link #uri()}; {@code ProblemCatalogueTest} fails when the code answers with a slug, title or
 * status that is not here. Slugs are stable: clients may compare them.
 */
public enum ProblemType {
    MALFORMED_JSON("malformed-json", "Malformed JSON", 400, "The request body is empty or is not valid JSON."),
    INVALID_PARAMETER(
            "invalid-parameter",
            "Invalid parameter",
            400,
            "A query parameter or header has a value the endpoint can't use (a status that does not exist, a"
                    + " limit out of range, a cursor this API did not give out, a `Last-Event-ID` the stream never"
                    + " sent). `errors[].field` names the parameter."),
    INVALID_IDEMPOTENCY_KEY(
            "invalid-idempotency-key",
            "Invalid Idempotency-Key",
            400,
            "The `Idempotency-Key` header is blank or longer than 255 characters."),
    INVALID_BULK_REQUEST(
            "invalid-bulk-request",
            "Invalid bulk request",
            400,
            "The body of `POST /api/jobs/bulk` is wrong: `errors[].field` names each bad field (`action`, `ids`,"
                    + " `ids[3]`, `filter`, `filter.status`, an unknown field). No job was changed."),
    UNAUTHORIZED(
            "unauthorized",
            "Authentication required",
            401,
            "The API call carried no API key (`Authorization: Bearer <key>`) and no browser session, or the key"
                    + " is unknown or revoked. The answer has `WWW-Authenticate: Bearer`."),
    CSRF_TOKEN_INVALID(
            "csrf-token-invalid",
            "CSRF token missing or wrong",
            403,
            "A signed-in browser's POST, PUT, PATCH or DELETE did not carry the session's CSRF token (header"
                    + " `X-CSRF-Token` on the API, field `_csrf` in a page's form). Calls with an API key need none."),
    OPERATOR_ONLY(
            "operator-only",
            "Operators only",
            403,
            "Declaring, pausing, resuming or limiting a queue: queues are shared by every tenant, so these need an"
                    + " operator's API key (`deploy/keys create TENANT NAME --operator`). Nothing changed."),
    NOT_FOUND("not-found", "Not found", 404, "No resource has this path (or no problem type this slug)."),
    JOB_NOT_FOUND(
            "job-not-found",
            "Job not found",
            404,
            "No job with this id belongs to the caller's tenant: the id is unknown or malformed, the job is"
                    + " another tenant's (never told apart from unknown), or it was deleted after"
                    + " `retention.max-age`."),
    BATCH_NOT_FOUND(
            "batch-not-found",
            "Batch not found",
            404,
            "No job of the caller's tenant belongs to a batch with this id: the id is unknown or malformed, the"
                    + " batch is another tenant's, or all its jobs were deleted after `retention.max-age`."),
    SCHEDULE_NOT_FOUND(
            "schedule-not-found",
            "Schedule not found",
            404,
            "No schedule with this id belongs to the caller's tenant: the id is unknown or malformed, or the"
                    + " schedule is another tenant's (never told apart from unknown)."),
    QUEUE_NOT_FOUND(
            "queue-not-found",
            "Queue not found",
            404,
            "No queue with this name is declared (by `forkyard.web.queues`, a worker that serves it, or"
                    + " `PUT /api/queues/{name}`)."),
    METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", 405, "The resource does not take this method."),
    NOT_ACCEPTABLE(
            "not-acceptable",
            "Not acceptable",
            406,
            "The `Accept` header names no media type the resource answers with: the `/events` streams"
                    + " answer `text/event-stream` only. Nothing changed."),
    JOB_STATE_CONFLICT(
            "job-state-conflict",
            "Job state conflict",
            409,
            "The job's status does not allow the request: a cancel of a finished job, a retry of a job that is"
                    + " not FAILED or CANCELLED, the result of a job that has not SUCCEEDED. `detail` says the"
                    + " status. Nothing changed."),
    SCHEDULE_NAME_TAKEN(
            "schedule-name-taken",
            "Schedule name taken",
            409,
            "The tenant already has a schedule of this name; names are unique per tenant. Nothing changed."),
    BODY_TOO_LARGE(
            "body-too-large",
            "Request body too large",
            413,
            "The body has more than `max-body-bytes` (16 MiB). Above `quarkus.http.limits.max-body-size`"
                    + " (32 MiB) the HTTP server answers 413 itself, without a problem document."),
    UNSUPPORTED_MEDIA_TYPE(
            "unsupported-media-type", "Unsupported media type", 415, "The body is not sent as `application/json`."),
    INVALID_JOB(
            "invalid-job",
            "Invalid job",
            422,
            "A submission (or a job of a batch, `[3].input.rounds`) fails its job type's checks, or names a"
                    + " queue that is not declared (`queue`): `errors[].field` names each field. Nothing was"
                    + " written."),
    INVALID_QUEUE(
            "invalid-queue",
            "Invalid queue",
            422,
            "The name or body of `PUT /api/queues/{name}` is wrong: `errors[].field` names each bad field"
                    + " (`name`, `concurrencyLimit`, an unknown field). Nothing changed."),
    INVALID_SCHEDULE(
            "invalid-schedule",
            "Invalid schedule",
            422,
            "The body of `POST` or `PUT /api/schedules` is wrong: `errors[].field` names each bad field (`cron`"
                    + " with what is wrong in it, `timeZone`, `misfire`, `job.type`, `job.queue`, `job.input.rounds`,"
                    + " an unknown field). Nothing changed."),
    UNKNOWN_JOB_TYPE(
            "unknown-job-type",
            "Unknown job type",
            422,
            "A submission names a job type this web tier does not know; `errors[].field` is `type`."),
    IDEMPOTENCY_KEY_REUSED(
            "idempotency-key-reused",
            "Idempotency-Key reused",
            422,
            "The tenant already used this `Idempotency-Key` for a job with a different request body."),
    RATE_LIMITED(
            "rate-limited",
            "Too many submissions",
            429,
            "The tenant submitted faster than `rate-limit.jobs-per-second` (after a burst of `rate-limit.burst`)."
                    + " `Retry-After` says how many seconds to wait. Nothing was written."),
    INTERNAL(
            "internal",
            "Internal error",
            500,
            "An unexpected failure; the cause is in the web tier's log, never in the answer."),
    UNAVAILABLE(
            "unavailable",
            "Service unavailable",
            503,
            "The job store (PostgreSQL) can't be reached. `Retry-After` says when to try again; nothing was"
                    + " written.");

    /** Where the type URIs live: an identifier, the same on every deployment. */
    public static final String BASE = "https://forkyard.io/problems/";

    private final String slug;
    private final String title;
    private final int status;
    private final String description;

    ProblemType(String slug, String title, int status, String description) {
        this.slug = slug;
        this.title = title;
        this.status = status;
        this.description = description;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public int status() {
        return status;
    }

    /** What the problem means and what to do about it, for people (Markdown). */
    public String description() {
        return description;
    }

    /** The problem's {@code type}. */
    public String uri() {
        return BASE + slug;
    }

    public static Optional<ProblemType> bySlug(String slug) {
        return Arrays.stream(values()).filter(t -> t.slug.equals(slug)).findFirst();
    }
}
