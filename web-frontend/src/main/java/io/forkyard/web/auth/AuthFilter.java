package io.forkyard.web.auth;

import io.forkyard.web.WebConfig;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemMappers;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Who is calling, before any resource runs (README "Tenants and API keys"). The API takes {@code
 * Authorization: Bearer <key>} or the browser's session cookie; without either it answers 401. A
 * session's POST, PUT, PATCH or DELETE on the API must carry the session's CSRF token in {@code
 * X-CSRF-Token} (the pages' forms carry it as a field, checked by their resources). A page without a
 * session redirects to the sign-in page. Health, metrics, OpenAPI and static assets are not JAX-RS
 * resources and never reach this filter.
 */
public class AuthFilter {

    /** Between the scheme and the key; compiled once (String.split compiles it at every call). */
    private static final Pattern SPACES = Pattern.compile("\\s+");

    /** The header that carries a session's CSRF token on the API. */
    public static final String CSRF_HEADER = "X-CSRF-Token";

    private static final Set<String> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    @Inject
    WebConfig config;

    @Inject
    Credentials credentials;

    @Inject
    Caller caller;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Response authenticate(ContainerRequestContext request) {
        if (!config.auth().enabled()) {
            return null;
        }
        String path = request.getUriInfo().getPath();
        if (isPublic(path)) {
            return null;
        }
        boolean api = path.startsWith("/api/") || path.equals("/api");
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (api && authorization != null) {
            Optional<Credentials.Identity> identity = bearer(authorization).flatMap(credentials::key);
            if (identity.isEmpty()) {
                return unauthorized("the API key is unknown or revoked");
            }
            caller.authenticated(identity.get().tenant(), null, identity.get().operator());
            return null;
        }
        Cookie cookie = request.getCookies().get(Sessions.COOKIE);
        Optional<Credentials.Identity> session =
                cookie == null || cookie.getValue().isEmpty()
                        ? Optional.empty()
                        : credentials.session(cookie.getValue());
        if (session.isEmpty()) {
            if (api) {
                return unauthorized("send Authorization: Bearer <API key>, or sign in at /signin");
            }
            String next = request.getUriInfo().getRequestUri().getRawPath();
            String query = request.getUriInfo().getRequestUri().getRawQuery();
            if (query != null) {
                next += "?" + query;
            }
            return Response.seeOther(URI.create("/signin?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8)))
                    .build();
        }
        caller.authenticated(
                session.get().tenant(), session.get().csrfToken(), session.get().operator());
        if (api && !SAFE.contains(request.getMethod())) {
            caller.requireCsrf(request.getHeaderString(CSRF_HEADER));
        }
        return null;
    }

    private static boolean isPublic(String path) {
        return path.equals("/signin") || path.startsWith("/problems") || path.equals("/favicon.ico");
    }

    private static Optional<String> bearer(String authorization) {
        String[] parts = SPACES.split(authorization.strip(), 2);
        return parts.length == 2 && parts[0].equalsIgnoreCase("Bearer") ? Optional.of(parts[1]) : Optional.empty();
    }

    private static Response unauthorized(String detail) {
        return Response.fromResponse(
                        ProblemMappers.respond(Problem.of("unauthorized", "Authentication required", 401, detail)))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"forkyard\"")
                .build();
    }
}
