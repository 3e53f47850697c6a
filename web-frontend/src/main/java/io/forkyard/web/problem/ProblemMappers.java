package io.forkyard.web.problem;

import io.forkyard.db.Jdbc;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one catch boundary of the API: every failure leaves as a problem document. Unexpected ones
 * are logged with their cause and answered without internals.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response response = respond(e.problem());
        return e.retryAfterSeconds() == null
                ? response
                : Response.fromResponse(response)
                        .header("Retry-After", e.retryAfterSeconds())
                        .build();
    }

    @ServerExceptionMapper
    public Response unsupportedMediaType(NotSupportedException e) {
        return respond(Problem.of(
                "unsupported-media-type", "Unsupported media type", 415, "send the body as application/json"));
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return respond(Problem.of("not-found", "Not found", 404, "no such resource"));
    }

    @ServerExceptionMapper
    public Response methodNotAllowed(NotAllowedException e) {
        return respond(
                Problem.of("method-not-allowed", "Method not allowed", 405, "this resource does not take that method"));
    }

    /** An {@code Accept} the resource can't answer (JSON from an event stream, say): never a 500. */
    @ServerExceptionMapper
    public Response notAcceptable(NotAcceptableException e) {
        return respond(Problem.of(
                "not-acceptable",
                "Not acceptable",
                406,
                "this resource does not answer with the media type the Accept header asks for"));
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 100)
    public Response unexpected(Throwable e) {
        if (isDatabaseDown(e)) {
            LOG.warnf("database unavailable: %s", e.toString());
            return Response.fromResponse(respond(Problem.of(
                            "unavailable",
                            "Service unavailable",
                            503,
                            "the job store is unavailable; try again shortly")))
                    .header("Retry-After", "5")
                    .build();
        }
        LOG.error("unexpected failure answering a request", e);
        return respond(
                Problem.of("internal", "Internal error", 500, "an unexpected error occurred; it has been logged"));
    }

    public static Response respond(Problem problem) {
        return Response.status(problem.status())
                .type(Problem.MEDIA_TYPE)
                .entity(problem)
                .build();
    }

    /** Whether the failure means the job store can't be reached (not that a statement was wrong). */
    static boolean isDatabaseDown(Throwable e) {
        return Jdbc.isConnectionFailure(e);
    }
}
