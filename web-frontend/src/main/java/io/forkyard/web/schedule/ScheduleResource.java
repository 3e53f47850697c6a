package io.forkyard.web.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.jobtype.Violations;
import io.forkyard.web.auth.Caller;
import io.forkyard.web.job.JobSubmission;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Schedules (README "Schedules"): recurring jobs of the caller's tenant, each a cron expression in a
 * time zone and a job template. Another tenant's schedule is a plain 404.
 */
@Path("/api/schedules")
@Tag(name = "schedules")
@Produces(MediaType.APPLICATION_JSON)
public class ScheduleResource {

    private static final String EXAMPLE = "{\"name\": \"nightly-report\", \"cron\": \"0 3 * * *\", \"timeZone\":"
            + " \"Europe/Berlin\", \"job\": {\"type\": \"csv-stats\", \"input\": {\"csv\": \"a\\n1\\n\"}},"
            + " \"misfire\": \"run-once\"}";

    @Inject
    Schedules schedules;

    @Inject
    JobSubmission submission;

    @Inject
    Caller caller;

    /** {@code GET /api/schedules}. */
    public record ScheduleList(List<Schedules.ScheduleView> schedules) {}

    @GET
    @Operation(
            operationId = "listSchedules",
            summary = "The tenant's schedules",
            description = "By name, each with its next ticks and last jobs.")
    @APIResponse(responseCode = "200", description = "The schedules")
    public ScheduleList list() {
        return new ScheduleList(schedules.list(caller.tenant()));
    }

    @GET
    @Path("/{id}")
    @Operation(
            operationId = "getSchedule",
            summary = "A schedule",
            description = "With its next 5 ticks (`nextRuns`) and its last 5 jobs.")
    @APIResponse(responseCode = "200", description = "The schedule")
    @APIResponse(responseCode = "404", description = "`schedule-not-found`")
    public Schedules.ScheduleView get(@PathParam("id") String id) {
        return view(parse(id));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "createSchedule",
            summary = "Make a schedule",
            description = "`cron` has 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first),"
                    + " read in `timeZone` (default UTC). Each tick submits `job` (a submission without `runAt`),"
                    + " once, whatever the number of web replicas. `misfire`: what happens to ticks missed while"
                    + " nothing ran (more than `schedules.misfire-threshold` late): `run-once` (default) makes one"
                    + " job for them, `skip` none. `enabled` defaults to true.")
    @RequestBody(
            required = true,
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            examples = @ExampleObject(name = "nightly", value = EXAMPLE)))
    @APIResponse(
            responseCode = "201",
            description = "Made; `Location` is the schedule",
            headers =
                    @Header(
                            name = "Location",
                            description = "/api/schedules/{id}",
                            schema = @Schema(type = SchemaType.STRING, format = "uri-reference")))
    @APIResponse(responseCode = "409", description = "`schedule-name-taken`")
    @APIResponse(
            responseCode = "422",
            description = "`invalid-schedule` naming each bad field (`cron`, `timeZone`, `job.type`, `job.queue`, ...)")
    public Response create(byte[] body) {
        ScheduleRequest request = read(body);
        UUID id = UUID.randomUUID();
        if (schedules.create(caller.tenant(), id, request) == Schedules.Saved.NAME_TAKEN) {
            throw nameTaken(request.name());
        }
        return Response.created(URI.create("/api/schedules/" + id))
                .entity(view(id))
                .build();
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "replaceSchedule",
            summary = "Replace a schedule",
            description = "The same body as making one; its next tick is counted from now. `\"enabled\": false`"
                    + " stops its ticks; enabling it again does not make the ticks that passed meanwhile.")
    @APIResponse(responseCode = "200", description = "The schedule")
    @APIResponse(responseCode = "404", description = "`schedule-not-found`")
    @APIResponse(responseCode = "409", description = "`schedule-name-taken`")
    @APIResponse(responseCode = "422", description = "`invalid-schedule`")
    public Schedules.ScheduleView replace(@PathParam("id") String id, byte[] body) {
        UUID schedule = parse(id);
        ScheduleRequest request = read(body);
        switch (schedules.update(caller.tenant(), schedule, request)) {
            case NOT_FOUND -> throw notFound();
            case NAME_TAKEN -> throw nameTaken(request.name());
            default -> {
                // saved
            }
        }
        return view(schedule);
    }

    @DELETE
    @Path("/{id}")
    @Operation(
            operationId = "deleteSchedule",
            summary = "Delete a schedule",
            description = "Its ticks stop; the jobs it made stay.")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "`schedule-not-found`")
    public Response delete(@PathParam("id") String id) {
        if (!schedules.delete(caller.tenant(), parse(id))) {
            throw notFound();
        }
        return Response.noContent().build();
    }

    private ScheduleRequest read(byte[] body) {
        JsonNode tree = submission.parse(body);
        Violations violations = new Violations();
        ScheduleRequest request = ScheduleRequest.read(tree, submission, violations);
        if (!violations.isEmpty()) {
            throw new ProblemException(
                    Problem.of("invalid-schedule", "Invalid schedule", 422, violations.summary(), violations.list()));
        }
        return request;
    }

    private Schedules.ScheduleView view(UUID id) {
        return schedules.get(caller.tenant(), id).orElseThrow(ScheduleResource::notFound);
    }

    /** A schedule id from a path; one that is not a UUID is a schedule that does not exist (404). */
    private static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw notFound();
        }
    }

    private static ProblemException notFound() {
        return new ProblemException(Problem.of("schedule-not-found", "Schedule not found", 404, "no such schedule"));
    }

    private static ProblemException nameTaken(String name) {
        return new ProblemException(Problem.of(
                "schedule-name-taken", "Schedule name taken", 409, "the tenant already has a schedule named " + name));
    }
}
