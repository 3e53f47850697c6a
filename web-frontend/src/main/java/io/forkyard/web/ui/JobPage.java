package io.forkyard.web.ui;

import io.forkyard.job.Job;
import io.forkyard.job.JobStatus;
import io.forkyard.web.auth.Caller;
import io.forkyard.web.dispatch.OutboxRelay;
import io.forkyard.web.job.JobCommands;
import io.forkyard.web.job.JobView;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestForm;

/**
 * {@code /jobs/{id}}: one job. The page is rendered with the job's state as it is now; {@code
 * job.js} then follows {@code GET /api/jobs/{id}/events} (progress bar, status), and renders the
 * attempts and the result from the API. Retry and cancel are plain HTML forms posting here with the
 * page's CSRF token (the script sends them through the API instead). Another tenant's job, or an id
 * that is not one, is the not-found page (404).
 */
@Path("/jobs/{id}")
@Produces(MediaType.TEXT_HTML)
public class JobPage {

    /** The outcome of a form post, shown above the job after the redirect. */
    static final Map<String, String> NOTICES = Map.of(
            "retried", "The job was queued again with fresh attempts.",
            "cancel-requested",
                    "Cancel requested: a queued job is cancelled at once, a running job is stopped by"
                            + " its worker within a heartbeat unless it ends first.",
            "not-retryable", "Only a FAILED or CANCELLED job can be retried; this one is not.",
            "already-finished", "The job had already finished; there was nothing to cancel.");

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance job(JobView job, boolean canRetry, boolean canCancel, String notice);
    }

    @Inject
    Caller caller;

    @Inject
    JobCommands commands;

    @Inject
    OutboxRelay relay;

    @GET
    public Response page(@PathParam("id") String id, @QueryParam("notice") String notice) {
        Optional<Job> found = parse(id).flatMap(this::load);
        if (found.isEmpty()) {
            return notFound(id);
        }
        Job job = found.get();
        JobStatus status = job.status;
        boolean canRetry = status == JobStatus.FAILED || status == JobStatus.CANCELLED;
        boolean canCancel = !status.isFinal();
        return Response.ok(
                        Templates.job(JobView.of(job), canRetry, canCancel, notice == null ? null : NOTICES.get(notice))
                                .render())
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .header("Cache-Control", "no-store")
                .build();
    }

    @POST
    @Path("retry")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response retry(@PathParam("id") String id, @RestForm("_csrf") String csrf) {
        Optional<Response> refused = Pages.refusedWithoutCsrf(caller, csrf);
        if (refused.isPresent()) {
            return refused.get();
        }
        Optional<UUID> jobId = parse(id);
        Optional<JobStatus> before = jobId.flatMap(uuid -> commands.requeue(uuid, caller.tenant()));
        if (before.isEmpty()) {
            return notFound(id);
        }
        if (before.get() != JobStatus.FAILED && before.get() != JobStatus.CANCELLED) {
            return Pages.seeOther("/jobs/" + jobId.get() + "?notice=not-retryable");
        }
        relay.wakeUp();
        return Pages.seeOther("/jobs/" + jobId.get() + "?notice=retried");
    }

    @POST
    @Path("cancel")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response cancel(@PathParam("id") String id, @RestForm("_csrf") String csrf) {
        Optional<Response> refused = Pages.refusedWithoutCsrf(caller, csrf);
        if (refused.isPresent()) {
            return refused.get();
        }
        Optional<UUID> jobId = parse(id);
        Optional<JobStatus> before = jobId.flatMap(uuid -> commands.requestCancel(uuid, caller.tenant()));
        if (before.isEmpty()) {
            return notFound(id);
        }
        String notice = before.get().isFinal() ? "already-finished" : "cancel-requested";
        return Pages.seeOther("/jobs/" + jobId.get() + "?notice=" + notice);
    }

    private Optional<Job> load(UUID id) {
        return Job.<Job>find("id = ?1 and tenant = ?2", id, caller.tenant()).firstResultOptional();
    }

    private static Optional<UUID> parse(String id) {
        try {
            return Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Response notFound(String id) {
        return Pages.notFound("There is no job with id " + id + " that you can see.");
    }
}
