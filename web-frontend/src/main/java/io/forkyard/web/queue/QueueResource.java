package io.forkyard.web.queue;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.jobtype.Violations;
import io.forkyard.messaging.Json;
import io.forkyard.messaging.Topics;
import io.forkyard.web.auth.Caller;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.Iterator;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Queues (README "Queues"): what is in each, who serves it; declaring, pausing and limiting one is
 * an operator's act, since every tenant shares them.
 */
@Path("/api/queues")
@Tag(name = "queues")
@Produces(MediaType.APPLICATION_JSON)
public class QueueResource {

    /** Largest concurrency limit: far above any fleet's slots, small enough to be a typo's bound. */
    static final int MAX_LIMIT = 100_000;

    @Inject
    Queues queues;

    @Inject
    Caller caller;

    /** {@code GET /api/queues}: every declared queue. */
    public record QueueList(List<Queues.QueueView> queues) {}

    @GET
    @Operation(
            operationId = "listQueues",
            summary = "Queues",
            description = "Every declared queue: `queued` jobs due now, `scheduled` ones due later, `running` ones"
                    + " and the age of the oldest due job, counted over every tenant; whether it is `paused`, its"
                    + " `concurrencyLimit` (null: none) and the live `workers` that serve it. A queue no worker"
                    + " serves has an empty `workers`: its jobs wait until one does.")
    @APIResponse(responseCode = "200", description = "The queues, by name")
    public QueueList list() {
        return new QueueList(queues.list());
    }

    @GET
    @Path("/{name}")
    @Operation(operationId = "getQueue", summary = "A queue")
    @APIResponse(responseCode = "200", description = "The queue")
    @APIResponse(responseCode = "404", description = "`queue-not-found`")
    public Queues.QueueView get(@PathParam("name") String name) {
        return queues.get(name).orElseThrow(QueueResource::notFound);
    }

    @PUT
    @Path("/{name}")
    @Operation(
            operationId = "declareQueue",
            summary = "Declare a queue, or set its concurrency limit",
            description = "Operators only. Declares the queue (jobs may be submitted to it) with at most"
                    + " `concurrencyLimit` of its jobs RUNNING at once across all workers; `null` or no body: no"
                    + " limit. On a declared queue it replaces the limit; jobs already running finish.")
    @RequestBody(
            content =
                    @org.eclipse.microprofile.openapi.annotations.media.Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = QueueBody.class)))
    @APIResponse(
            responseCode = "201",
            description = "Declared; `Location` is the queue",
            headers =
                    @Header(
                            name = "Location",
                            description = "/api/queues/{name}",
                            schema = @Schema(type = SchemaType.STRING, format = "uri-reference")))
    @APIResponse(responseCode = "200", description = "Its limit set")
    @APIResponse(responseCode = "403", description = "`operator-only`")
    @APIResponse(responseCode = "422", description = "`invalid-queue` naming the field (`name`, `concurrencyLimit`)")
    public Response declare(@PathParam("name") String name, byte[] body) {
        caller.requireOperator();
        Violations violations = new Violations();
        if (!Topics.QUEUE_NAME.matcher(name).matches()) {
            violations.add("name", "must match " + Topics.QUEUE_NAME.pattern());
        }
        Integer limit = concurrencyLimit(body, violations);
        if (!violations.isEmpty()) {
            throw new ProblemException(
                    Problem.of("invalid-queue", "Invalid queue", 422, violations.summary(), violations.list()));
        }
        boolean created = queues.declare(name, limit);
        Queues.QueueView view = queues.get(name).orElseThrow(QueueResource::notFound);
        return created
                ? Response.created(URI.create("/api/queues/" + name))
                        .entity(view)
                        .build()
                : Response.ok(view).build();
    }

    @POST
    @Path("/{name}/pause")
    @Operation(
            operationId = "pauseQueue",
            summary = "Pause a queue",
            description = "Operators only. Its jobs are still accepted and stay QUEUED; none is dispatched or"
                    + " claimed until it is resumed. Jobs a worker already claimed (RUNNING) finish.")
    @APIResponse(responseCode = "200", description = "The queue, paused")
    @APIResponse(responseCode = "403", description = "`operator-only`")
    @APIResponse(responseCode = "404", description = "`queue-not-found`")
    public Queues.QueueView pause(@PathParam("name") String name) {
        return setPaused(name, true);
    }

    @POST
    @Path("/{name}/resume")
    @Operation(
            operationId = "resumeQueue",
            summary = "Resume a paused queue",
            description = "Operators only. Its due jobs are dispatched again.")
    @APIResponse(responseCode = "200", description = "The queue, running")
    @APIResponse(responseCode = "403", description = "`operator-only`")
    @APIResponse(responseCode = "404", description = "`queue-not-found`")
    public Queues.QueueView resume(@PathParam("name") String name) {
        return setPaused(name, false);
    }

    private Queues.QueueView setPaused(String name, boolean paused) {
        caller.requireOperator();
        if (!queues.setPaused(name, paused)) {
            throw notFound();
        }
        return queues.get(name).orElseThrow(QueueResource::notFound);
    }

    /** The body of {@code PUT}, for the API document (the resource reads it field by field). */
    @Schema(name = "QueueRequest")
    record QueueBody(
            @Schema(
                    description = "at most this many of the queue's jobs RUNNING at once; null: no limit",
                    minimum = "1",
                    maximum = "100000",
                    nullable = true)
            Integer concurrencyLimit) {}

    private static Integer concurrencyLimit(byte[] body, Violations violations) {
        if (body == null || body.length == 0) {
            return null;
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new ProblemException(
                    Problem.of("malformed-json", "Malformed JSON", 400, "the request body is not valid JSON"));
        }
        if (tree == null || !tree.isObject()) {
            violations.add("body", "must be a JSON object");
            return null;
        }
        for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!field.equals("concurrencyLimit")) {
                violations.add(field, "unknown field; known: concurrencyLimit");
            }
        }
        JsonNode limit = tree.get("concurrencyLimit");
        if (limit == null || limit.isNull()) {
            return null;
        }
        if (!limit.isIntegralNumber() || limit.asLong() < 1 || limit.asLong() > MAX_LIMIT) {
            violations.add("concurrencyLimit", "must be an integer from 1 to " + MAX_LIMIT + ", or null");
            return null;
        }
        return limit.asInt();
    }

    private static ProblemException notFound() {
        return new ProblemException(Problem.of("queue-not-found", "Queue not found", 404, "no such queue is declared"));
    }
}
