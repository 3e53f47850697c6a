package io.forkyard.web.auth;

import io.forkyard.auth.ApiKeys;
import io.forkyard.db.Jdbc;
import io.forkyard.db.StoreException;
import io.forkyard.web.WebConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.NewCookie;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Browser sessions: signing in with an API key gives a session cookie (HttpOnly, SameSite=Strict)
 * and a CSRF token for the session's forms and scripts. The database keeps only the cookie's
 * SHA-256, so every web replica knows every session; revoking the key ends its sessions.
 */
@ApplicationScoped
public class Sessions {

    /** The session cookie's name. */
    public static final String COOKIE = "forkyard_session";

    /** A new session: the cookie's value, its CSRF token, the tenant, and how long it lasts. */
    public record SignedIn(String cookieValue, String csrfToken, String tenant, Duration maxAge) {}

    static final String START = """
            INSERT INTO web_session (id_hash, api_key_id, csrf_token, expires_at)
            SELECT ?, id, ?, now() + ? * interval '1 second' FROM api_key WHERE key_hash = ? AND revoked_at IS NULL
            RETURNING (SELECT tenant FROM api_key WHERE key_hash = ?)
            """;

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    @Inject
    Credentials credentials;

    /** Signs in with an API key; empty when the key is unknown or revoked. */
    public Optional<SignedIn> signIn(String apiKey) {
        if (apiKey == null || !apiKey.strip().startsWith(ApiKeys.PREFIX)) {
            return Optional.empty();
        }
        byte[] keyHash = ApiKeys.hash(apiKey.strip());
        String cookie = ApiKeys.randomToken();
        String csrf = ApiKeys.randomToken();
        Duration lifetime = config.auth().sessionLifetime();
        try {
            return Jdbc.autoCommit(dataSource, c -> {
                try (PreparedStatement s = c.prepareStatement(START)) {
                    s.setBytes(1, ApiKeys.hash(cookie));
                    s.setString(2, csrf);
                    s.setLong(3, lifetime.toSeconds());
                    s.setBytes(4, keyHash);
                    s.setBytes(5, keyHash);
                    try (ResultSet rs = s.executeQuery()) {
                        return rs.next()
                                ? Optional.of(new SignedIn(cookie, csrf, rs.getString(1), lifetime))
                                : Optional.empty();
                    }
                }
            });
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** Ends the session with this cookie value (no effect on an unknown one). */
    public void signOut(String cookieValue) {
        if (cookieValue == null) {
            return;
        }
        try {
            Jdbc.autoCommit(dataSource, c -> {
                try (PreparedStatement s = c.prepareStatement("DELETE FROM web_session WHERE id_hash = ?")) {
                    s.setBytes(1, ApiKeys.hash(cookieValue));
                    return s.executeUpdate();
                }
            });
        } catch (SQLException e) {
            throw new StoreException(e);
        }
        credentials.forgetSession(cookieValue);
    }

    /** The cookie that carries a new session: HttpOnly, SameSite=Strict, for the whole site. */
    public NewCookie cookie(SignedIn session) {
        return cookie(session.cookieValue(), (int) session.maxAge().toSeconds());
    }

    /** The cookie that ends the session in the browser. */
    public NewCookie expiredCookie() {
        return cookie("", 0);
    }

    private NewCookie cookie(String value, int maxAge) {
        return new NewCookie.Builder(COOKIE)
                .value(value)
                .path("/")
                .maxAge(maxAge)
                .httpOnly(true)
                .secure(config.auth().secureCookies())
                .sameSite(NewCookie.SameSite.STRICT)
                .build();
    }
}
