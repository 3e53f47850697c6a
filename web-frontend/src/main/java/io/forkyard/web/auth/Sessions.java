package io.forkyard.web.auth;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;

/**
 * Browser sessions: signing in with an API key gives a session cookie (HttpOnly, SameSite=Strict)
 * and a CSRF token for the session's forms and scripts.
 */
@ApplicationScoped
public class Sessions {

    /** The session cookie's name. */
    public static final String COOKIE = "forkyard_session";

    /** A new session: the cookie's value, its CSRF token, the tenant, and how long it lasts. */
    public record SignedIn(String cookieValue, String csrfToken, String tenant, Duration maxAge) {}

    /** Signs in with an API key; empty when the key is unknown or revoked. */
    public Optional<SignedIn> signIn(String apiKey) {
        return Optional.empty(); // TODO(auth): filled in by the authentication commit
    }

    /** Ends the session with this cookie value (no effect on an unknown one). */
    public void signOut(String cookieValue) {}
}
