package io.forkyard.web.ui;

import io.forkyard.web.auth.Caller;
import io.forkyard.web.problem.ProblemException;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Optional;

/**
 * What every page resource shares: redirects that stay relative (so they survive a proxy), and the
 * two error pages, "not found" (404) and "refused" (403), rendered in the layout.
 */
public final class Pages {

    /** The error pages, {@code templates/Pages/*.html}. */
    @CheckedTemplate
    static class Templates {
        static native TemplateInstance notFound(String what);

        static native TemplateInstance refused(String why);
    }

    private Pages() {}

    /** {@code 303 See Other} to a path of this site; {@code Location} stays relative. */
    public static Response seeOther(String path) {
        return Response.status(Response.Status.SEE_OTHER)
                .header("Location", path)
                .build();
    }

    /** The not-found page with status 404; {@code what} says what was looked for. */
    public static Response notFound(String what) {
        return html(404, Templates.notFound(what));
    }

    /** The refused page with status 403; {@code why} says why. */
    public static Response refused(String why) {
        return html(403, Templates.refused(why));
    }

    /**
     * The refused page when a form did not carry the session's CSRF token ({@link
     * Caller#requireCsrf}); empty when it did, or needs none.
     */
    public static Optional<Response> refusedWithoutCsrf(Caller caller, String csrf) {
        try {
            caller.requireCsrf(csrf);
            return Optional.empty();
        } catch (ProblemException e) {
            return Optional.of(refused("The form did not carry this page's CSRF token, so nothing was done."
                    + " Reload the page and try again."));
        }
    }

    /** A rendered page with a status other than 200. */
    public static Response html(int status, TemplateInstance page) {
        return Response.status(status)
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity(page.render())
                .build();
    }

    /**
     * Whether {@code next} is a path of this site (never another origin: no scheme, no {@code //},
     * no backslash), so a sign-in link can't send the browser elsewhere.
     */
    static boolean isLocalPath(String next) {
        return next != null
                && next.startsWith("/")
                && !next.startsWith("//")
                && next.indexOf('\\') < 0
                && next.chars().noneMatch(Character::isISOControl);
    }
}
