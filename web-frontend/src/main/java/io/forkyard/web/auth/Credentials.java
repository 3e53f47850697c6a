package io.forkyard.web.auth;

import io.forkyard.auth.ApiKeys;
import io.forkyard.db.Jdbc;
import io.forkyard.db.StoreException;
import io.forkyard.web.WebConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * Checks API keys and session cookies against their hashes in the database. A good answer is
 * trusted for {@code forkyard.web.auth.cache-ttl} (a revoked key stops working within it); a
 * bad one is never cached, so a new key works at once.
 */
@ApplicationScoped
public class Credentials {

    /**
     * Who a key or session stands for; {@code csrfToken} only for a session; {@code operator} for an
     * operator's key and its sessions (README "Queues").
     */
    public record Identity(String tenant, String csrfToken, boolean operator) {}

    private record Cached(Identity identity, long until) {}

    private static final int MAX_CACHED = 10_000;

    static final String SESSION = """
            SELECT k.tenant, s.csrf_token, k.operator FROM web_session s JOIN api_key k ON k.id = s.api_key_id
             WHERE s.id_hash = ? AND s.expires_at > now() AND k.revoked_at IS NULL
            """;

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /** The tenant of an active key. */
    public Optional<Identity> key(String key) {
        if (!key.startsWith(ApiKeys.PREFIX)) {
            return Optional.empty();
        }
        return cached(
                "k",
                ApiKeys.hash(key),
                "SELECT tenant, NULL, operator FROM api_key WHERE key_hash = ? AND revoked_at IS NULL");
    }

    /** The tenant and CSRF token of a live session, by the cookie's value. */
    public Optional<Identity> session(String cookieValue) {
        return cached("s", ApiKeys.hash(cookieValue), SESSION);
    }

    /** Forgets whatever is cached for a session cookie (after signing out). */
    void forgetSession(String cookieValue) {
        cache.remove("s" + HexFormat.of().formatHex(ApiKeys.hash(cookieValue)));
    }

    private Optional<Identity> cached(String kind, byte[] hash, String sql) {
        String id = kind + HexFormat.of().formatHex(hash);
        long now = System.nanoTime();
        Cached hit = cache.get(id);
        if (hit != null && now - hit.until() < 0) {
            return Optional.of(hit.identity());
        }
        Optional<Identity> found;
        try {
            found = Jdbc.autoCommit(dataSource, c -> {
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    s.setBytes(1, hash);
                    try (ResultSet rs = s.executeQuery()) {
                        return rs.next()
                                ? Optional.of(new Identity(rs.getString(1), rs.getString(2), rs.getBoolean(3)))
                                : Optional.empty();
                    }
                }
            });
        } catch (SQLException e) {
            throw new StoreException(e);
        }
        if (found.isPresent()) {
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
            cache.put(id, new Cached(found.get(), now + config.auth().cacheTtl().toNanos()));
        } else {
            cache.remove(id);
        }
        return found;
    }
}
