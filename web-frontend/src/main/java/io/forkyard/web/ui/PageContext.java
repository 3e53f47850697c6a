package io.forkyard.web.ui;

import io.forkyard.web.auth.Caller;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/**
 * What every page's layout needs about the request, available to every template as {@code
 * cdi:page} (so a page's own template declares nothing for it): the CSRF token for the page's forms
 * and scripts, whether a browser session is signed in (then the layout shows "Sign out"), and which
 * navigation entry is the current page.
 */
@Named("page")
@RequestScoped
public class PageContext {

    @Inject
    Caller caller;

    @Inject
    HttpServerRequest request;

    /** The session's CSRF token; empty without a session (authentication off, or a bearer caller). */
    public String csrfToken() {
        String token = caller.csrfToken();
        return token == null ? "" : token;
    }

    /** Whether the request comes with a signed-in browser session. */
    public boolean signedIn() {
        return caller.viaSession();
    }

    /** Whether the request's path is {@code section} or below it ({@code /jobs} covers {@code /jobs/…}). */
    public boolean at(String section) {
        String path = request.path();
        return path.equals(section) || path.startsWith(section + "/");
    }
}
