package io.forkyard.web.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.jobtype.Violations;
import io.forkyard.messaging.Json;
import io.forkyard.web.auth.Caller;
import io.forkyard.web.job.JobSubmission;
import io.forkyard.web.schedule.ScheduleRequest;
import io.forkyard.web.schedule.Schedules;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestForm;

/**
 * {@code /schedules}: the tenant's schedules (README "Schedules"), each with its next runs and last
 * jobs, a form to make one, and per schedule a page to edit it, enable or disable it and delete it.
 * Plain HTML forms posted with the session's CSRF token; they go through the same checks as {@code
 * /api/schedules}, and a form with mistakes comes back with each one named and the input kept.
 */
@Path("/schedules")
@Produces(MediaType.TEXT_HTML)
public class SchedulesPage {

    /** What a form holds, as typed, so a form with mistakes comes back as it was. */
    public record Form(String name, String cron, String timeZone, String misfire, String job, boolean enabled) {

        static Form empty() {
            return new Form("", "0 * * * *", "UTC", "run-once", "{\"type\": \"noop\", \"input\": {}}", true);
        }

        static Form of(Schedules.ScheduleView s) {
            ObjectNode job = Json.MAPPER
                    .createObjectNode()
                    .put("type", s.job().type())
                    .put("queue", s.job().queue())
                    .put("timeoutSeconds", s.job().timeoutSeconds())
                    .put("maxAttempts", s.job().maxAttempts());
            job.set("input", s.job().input());
            return new Form(s.name(), s.cron(), s.timeZone(), s.misfire(), job.toString(), s.enabled());
        }
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance schedules(
                List<Schedules.ScheduleView> schedules, Form form, List<Violations.Violation> errors);

        static native TemplateInstance schedule(
                Schedules.ScheduleView schedule, Form form, List<Violations.Violation> errors, String action);
    }

    @Inject
    Schedules schedules;

    @Inject
    JobSubmission submission;

    @Inject
    Caller caller;

    @GET
    public Response list() {
        return page(200, Templates.schedules(schedules.list(caller.tenant()), Form.empty(), List.of()));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response create(
            @RestForm("_csrf") String csrf,
            @RestForm String name,
            @RestForm String cron,
            @RestForm String timeZone,
            @RestForm String misfire,
            @RestForm String job,
            @RestForm String enabled) {
        Optional<Response> refused = Pages.refusedWithoutCsrf(caller, csrf);
        if (refused.isPresent()) {
            return refused.get();
        }
        Form form = new Form(name, cron, timeZone, misfire, job, enabled != null);
        Violations violations = new Violations();
        ScheduleRequest request = read(form, violations);
        if (violations.isEmpty()) {
            UUID id = UUID.randomUUID();
            if (schedules.create(caller.tenant(), id, request) == Schedules.Saved.SAVED) {
                return Pages.seeOther("/schedules/" + id);
            }
            violations.add("name", "you already have a schedule named " + name);
        }
        return page(422, Templates.schedules(schedules.list(caller.tenant()), form, violations.list()));
    }

    @GET
    @Path("{id}")
    public Response edit(@PathParam("id") String id) {
        return find(id).map(s -> page(200, Templates.schedule(s, Form.of(s), List.of(), "/schedules/" + s.id())))
                .orElseGet(() -> notFound(id));
    }

    @POST
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response update(
            @PathParam("id") String id,
            @RestForm("_csrf") String csrf,
            @RestForm String name,
            @RestForm String cron,
            @RestForm String timeZone,
            @RestForm String misfire,
            @RestForm String job,
            @RestForm String enabled) {
        Optional<Response> refused = Pages.refusedWithoutCsrf(caller, csrf);
        if (refused.isPresent()) {
            return refused.get();
        }
        Optional<Schedules.ScheduleView> found = find(id);
        if (found.isEmpty()) {
            return notFound(id);
        }
        Form form = new Form(name, cron, timeZone, misfire, job, enabled != null);
        Violations violations = new Violations();
        ScheduleRequest request = read(form, violations);
        if (violations.isEmpty()) {
            switch (schedules.update(caller.tenant(), found.get().id(), request)) {
                case SAVED -> {
                    return Pages.seeOther("/schedules/" + found.get().id());
                }
                case NOT_FOUND -> {
                    return notFound(id);
                }
                case NAME_TAKEN -> violations.add("name", "you already have a schedule named " + name);
            }
        }
        return page(
                422,
                Templates.schedule(
                        found.get(),
                        form,
                        violations.list(),
                        "/schedules/" + found.get().id()));
    }

    /** Enables or disables a schedule, keeping the rest as it is. */
    @POST
    @Path("{id}/enabled")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response setEnabled(@PathParam("id") String id, @RestForm("_csrf") String csrf, @RestForm String enabled) {
        Optional<Response> refused = Pages.refusedWithoutCsrf(caller, csrf);
        if (refused.isPresent()) {
            return refused.get();
        }
        Optional<Schedules.ScheduleView> found = find(id);
        if (found.isEmpty()) {
            return notFound(id);
        }
        Form now = Form.of(found.get());
        Form changed =
                new Form(now.name(), now.cron(), now.timeZone(), now.misfire(), now.job(), "true".equals(enabled));
        Violations violations = new Violations();
        ScheduleRequest request = read(changed, violations);
        if (!violations.isEmpty()) {
            return page(
                    422,
                    Templates.schedule(
                            found.get(),
                            changed,
                            violations.list(),
                            "/schedules/" + found.get().id()));
        }
        schedules.update(caller.tenant(), found.get().id(), request);
        return Pages.seeOther("/schedules");
    }

    @POST
    @Path("{id}/delete")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response delete(@PathParam("id") String id, @RestForm("_csrf") String csrf) {
        Optional<Response> refused = Pages.refusedWithoutCsrf(caller, csrf);
        if (refused.isPresent()) {
            return refused.get();
        }
        Optional<Schedules.ScheduleView> found = find(id);
        if (found.isEmpty()) {
            return notFound(id);
        }
        schedules.delete(caller.tenant(), found.get().id());
        return Pages.seeOther("/schedules");
    }

    /** The form as the API's body, checked as the API checks it. */
    private ScheduleRequest read(Form form, Violations violations) {
        ObjectNode body = Json.MAPPER
                .createObjectNode()
                .put("name", form.name())
                .put("cron", form.cron())
                .put(
                        "timeZone",
                        form.timeZone() == null || form.timeZone().isBlank()
                                ? "UTC"
                                : form.timeZone().strip())
                .put("misfire", form.misfire())
                .put("enabled", form.enabled());
        try {
            JsonNode job = Json.MAPPER.readTree(form.job() == null ? "" : form.job());
            if (job != null && !job.isMissingNode()) {
                body.set("job", job);
            }
        } catch (JsonProcessingException e) {
            violations.add("job", "is not valid JSON: " + e.getOriginalMessage());
            return null;
        }
        return ScheduleRequest.read(body, submission, violations);
    }

    private Optional<Schedules.ScheduleView> find(String id) {
        try {
            return schedules.get(caller.tenant(), UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Response page(int status, TemplateInstance page) {
        return Response.status(status)
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .header("Cache-Control", "no-store")
                .entity(page.render())
                .build();
    }

    private static Response notFound(String id) {
        return Pages.notFound("There is no schedule with id " + id + " that you can see.");
    }
}
