package io.forkyard.web.auth;

import io.forkyard.web.WebConfig;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who makes the current request: its tenant, and whether it came with a browser session (whose
 * CSRF token every state-changing request must carry). Every read and write of the API is scoped
 * to {@link #tenant()}; another tenant's job is a plain 404. Filled in by the authentication
 * filter before any resource runs.
 */
@RequestScoped
public class Caller {

    @Inject
    WebConfig config;

    private String tenant;
    private String csrfToken;
    private boolean operator;

    /**
     * The caller's tenant. With authentication on, asking on a path the filter leaves public (the
     * sign-in page) is a bug, and fails rather than answer with some default tenant's data.
     */
    public String tenant() {
        if (tenant != null) {
            return tenant;
        }
        if (config.auth().enabled()) {
            throw new IllegalStateException("no authenticated caller on this request");
        }
        return config.defaultTenant();
    }

    /** Whether the caller came with a browser session cookie (not a bearer key). */
    public boolean viaSession() {
        return csrfToken != null;
    }

    /** The session's CSRF token, for the page's forms and scripts; null without a session. */
    public String csrfToken() {
        return csrfToken;
    }

    /**
     * Refuses (403 problem {@code csrf-token-invalid}) a state-changing request of a browser session
     * that does not carry the session's CSRF token. A request with a bearer key needs none.
     */
    public void requireCsrf(String token) {
        if (csrfToken == null) {
            return;
        }
        if (token == null
                || !MessageDigest.isEqual(
                        csrfToken.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            throw new ProblemException(Problem.of(
                    "csrf-token-invalid",
                    "CSRF token missing or wrong",
                    403,
                    "a request of a signed-in browser must carry the page's CSRF token"));
        }
    }

    /**
     * Refuses (403 problem {@code operator-only}) a caller whose key is not an operator's: queues
     * are shared by every tenant, so only an operator declares, pauses or limits them. With
     * authentication off the one local user is the operator.
     */
    public void requireOperator() {
        if (config.auth().enabled() && !operator) {
            throw new ProblemException(Problem.of(
                    "operator-only",
                    "Operators only",
                    403,
                    "queues are shared by every tenant; this needs an operator's API key"
                            + " (deploy/keys create TENANT NAME --operator)"));
        }
    }

    /** Whether the caller may declare, pause and limit queues. */
    public boolean isOperator() {
        return !config.auth().enabled() || operator;
    }

    void authenticated(String tenant, String csrfToken, boolean operator) {
        this.tenant = tenant;
        this.csrfToken = csrfToken;
        this.operator = operator;
    }
}
