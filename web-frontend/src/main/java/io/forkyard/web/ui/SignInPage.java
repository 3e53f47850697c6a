package io.forkyard.web.ui;

import io.forkyard.web.WebConfig;
import io.forkyard.web.auth.Caller;
import io.forkyard.web.auth.Sessions;
import io.forkyard.web.problem.ProblemException;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Signing in with an API key, and out. The sign-in form has no session yet to tie a CSRF token to,
 * so it uses a double-submit token: {@code GET /signin} sets a random cookie ({@value #SIGNIN_COOKIE},
 * HttpOnly, SameSite=Strict, Path=/signin) and puts the same value in the form; {@code POST /signin}
 * refuses a form whose value differs. A wrong key shows the form again with 401. With
 * authentication off ({@code forkyard.web.auth.enabled=false}) there is nothing to sign in to and
 * both go to the jobs.
 */
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class SignInPage {

    static final String SIGNIN_COOKIE = "forkyard_signin";
    private static final SecureRandom RANDOM = new SecureRandom();

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance signin(String csrf, String next, String error);
    }

    @Inject
    Sessions sessions;

    @Inject
    Caller caller;

    @Inject
    WebConfig config;

    @GET
    @Path("signin")
    public Response form(@QueryParam("next") String next) {
        if (!config.auth().enabled() || caller.viaSession()) {
            return Pages.seeOther(target(next));
        }
        String token = randomToken();
        return Response.ok(Templates.signin(token, Pages.isLocalPath(next) ? next : "", null)
                        .render())
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .cookie(signinCookie(token, -1))
                .header("Cache-Control", "no-store")
                .build();
    }

    @POST
    @Path("signin")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signIn(
            @RestForm String apiKey,
            @RestForm("_csrf") String csrf,
            @RestForm String next,
            @CookieParam(SIGNIN_COOKIE) String cookie) {
        if (!config.auth().enabled()) {
            return Pages.seeOther(target(next));
        }
        if (cookie == null || csrf == null || !same(cookie, csrf)) {
            return Pages.refused("The sign-in form was not the one this site gave you (its CSRF token is missing"
                    + " or does not match). Open the sign-in page again and retry.");
        }
        String key = apiKey == null ? "" : apiKey.strip();
        return sessions.signIn(key)
                .map(session -> Response.status(Response.Status.SEE_OTHER)
                        .header("Location", target(next))
                        .cookie(sessions.cookie(session), signinCookie("", 0))
                        .build())
                .orElseGet(() -> {
                    String token = randomToken();
                    return Response.status(Response.Status.UNAUTHORIZED)
                            .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                            .entity(Templates.signin(
                                            token,
                                            Pages.isLocalPath(next) ? next : "",
                                            key.isEmpty() ? "Enter an API key." : "That API key is unknown or revoked.")
                                    .render())
                            .cookie(signinCookie(token, -1))
                            .build();
                });
    }

    @POST
    @Path("signout")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signOut(@RestForm("_csrf") String csrf, @CookieParam(Sessions.COOKIE) String session) {
        if (!config.auth().enabled()) {
            return Pages.seeOther("/jobs");
        }
        try {
            caller.requireCsrf(csrf);
        } catch (ProblemException e) {
            return Pages.refused("The sign-out form did not carry this page's CSRF token.");
        }
        if (session != null) {
            sessions.signOut(session);
        }
        return Response.status(Response.Status.SEE_OTHER)
                .header("Location", "/signin")
                .cookie(sessions.expiredCookie())
                .build();
    }

    private static String target(String next) {
        return Pages.isLocalPath(next) ? next : "/jobs";
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private NewCookie signinCookie(String value, int maxAge) {
        return new NewCookie.Builder(SIGNIN_COOKIE)
                .value(value)
                .path("/signin")
                .maxAge(maxAge)
                .httpOnly(true)
                .secure(config.auth().secureCookies())
                .sameSite(NewCookie.SameSite.STRICT)
                .build();
    }
}
