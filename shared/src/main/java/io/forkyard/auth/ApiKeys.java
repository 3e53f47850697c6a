package io.forkyard.auth;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * API keys: each maps to a tenant. A key is {@code fy_} and 43 base64url characters (256 random
 * bits); it is shown once, when made, and only its SHA-256 is stored. Also the command that makes,
 * lists and revokes keys ({@code deploy/keys}, README "Tenants and API keys"):
 *
 * <pre>
 * ApiKeys create TENANT [NAME] [--operator]
 *                                prints the new key; an operator's key may also declare, pause
 *                                and limit queues, which every tenant shares
 * ApiKeys list [TENANT]          id, tenant, name, prefix, created, revoked
 * ApiKeys revoke ID|PREFIX       revokes the key (its browser sessions end with it)
 * ApiKeys local FILE TENANT      prints the key kept in FILE if it still works, else makes one
 *                                and keeps it there (mode 600): deploy/local/run's key
 * </pre>
 *
 * The database is {@code FORKYARD_DB_URL} (a JDBC URL), user {@code FORKYARD_DB_USER} and password
 * {@code FORKYARD_DB_PASSWORD}, so no secret shows in a process listing.
 */
public final class ApiKeys {

    /** What every key starts with, so a leaked one is recognisable (secret scanners). */
    public static final String PREFIX = "fy_";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SHOWN_PREFIX = 10;

    private ApiKeys() {}

    /** One key as listed: never the key itself. */
    public record Listed(UUID id, String tenant, String name, String prefix, String createdAt, String revokedAt) {}

    /** A fresh random token: 256 bits, base64url without padding (43 characters). */
    public static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** SHA-256 of a key or session token, as stored. */
    public static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Makes a key for {@code tenant}; returns the key, the only time it is seen. */
    public static String create(Connection c, String tenant, String name) throws SQLException {
        return create(c, tenant, name, false);
    }

    /**
     * Makes a key for {@code tenant}, an operator's when {@code operator} (README "Queues"); returns
     * the key, the only time it is seen.
     */
    public static String create(Connection c, String tenant, String name, boolean operator) throws SQLException {
        if (tenant == null || tenant.isBlank() || tenant.length() > 128) {
            throw new IllegalArgumentException("a tenant has 1 to 128 characters");
        }
        String key = PREFIX + randomToken();
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO api_key (id, tenant, name, prefix, key_hash, operator) VALUES (?, ?, ?, ?, ?, ?)")) {
            s.setObject(1, UUID.randomUUID());
            s.setString(2, tenant);
            s.setString(3, name == null || name.isBlank() ? tenant : name.substring(0, Math.min(200, name.length())));
            s.setString(4, key.substring(0, SHOWN_PREFIX));
            s.setBytes(5, hash(key));
            s.setBoolean(6, operator);
            s.executeUpdate();
        }
        return key;
    }

    /** The tenant of a key that exists and is not revoked. */
    public static Optional<String> tenantOf(Connection c, String key) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("SELECT tenant FROM api_key WHERE key_hash = ? AND revoked_at IS NULL")) {
            s.setBytes(1, hash(key));
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Revokes the key with this id or shown prefix; returns how many keys it revoked (0 or 1). */
    public static int revoke(Connection c, String idOrPrefix) throws SQLException {
        UUID id = null;
        try {
            id = UUID.fromString(idOrPrefix);
        } catch (IllegalArgumentException e) {
            // a prefix then
        }
        String where = id != null ? "id = ?" : "prefix = ?";
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement s = c.prepareStatement("UPDATE api_key SET revoked_at = now() WHERE " + where
                        + " AND revoked_at IS NULL RETURNING id");
                PreparedStatement sessions = c.prepareStatement("DELETE FROM web_session WHERE api_key_id = ?")) {
            if (id != null) {
                s.setObject(1, id);
            } else {
                s.setString(1, idOrPrefix);
            }
            List<UUID> revoked = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    revoked.add(rs.getObject(1, UUID.class));
                }
            }
            if (revoked.size() > 1) {
                c.rollback();
                throw new IllegalArgumentException(
                        "prefix " + idOrPrefix + " names " + revoked.size() + " keys; revoke by id");
            }
            for (UUID key : revoked) {
                sessions.setObject(1, key);
                sessions.executeUpdate();
            }
            c.commit();
            return revoked.size();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** Every key (of one tenant, or all when null), oldest first. */
    public static List<Listed> list(Connection c, String tenant) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("SELECT id, tenant, name, prefix, created_at, revoked_at FROM api_key"
                        + " WHERE ?::text IS NULL OR tenant = ? ORDER BY created_at, id")) {
            s.setString(1, tenant);
            s.setString(2, tenant);
            List<Listed> keys = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    keys.add(new Listed(
                            rs.getObject(1, UUID.class),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            String.valueOf(rs.getTimestamp(5).toInstant()),
                            rs.getTimestamp(6) == null
                                    ? null
                                    : rs.getTimestamp(6).toInstant().toString()));
                }
            }
            return keys;
        }
    }

    /**
     * The key kept in {@code file} if it still works, else a new operator's key for {@code tenant}
     * (the one person of a local system runs it), kept in {@code file} (readable by its owner only).
     */
    public static String local(Connection c, Path file, String tenant) throws Exception {
        if (Files.isRegularFile(file)) {
            String kept = Files.readString(file).strip();
            if (tenantOf(c, kept).filter(tenant::equals).isPresent()) {
                return kept;
            }
        }
        String key = create(c, tenant, "deploy/local/run", true);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, key + "\n");
        return key;
    }

    public static void main(String[] args) throws Exception {
        String url = System.getenv("FORKYARD_DB_URL");
        if (url == null || args.length == 0) {
            usage();
        }
        String user = System.getenv().getOrDefault("FORKYARD_DB_USER", "postgres");
        String password = System.getenv().getOrDefault("FORKYARD_DB_PASSWORD", "");
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            switch (args[0]) {
                case "create" -> {
                    List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
                    boolean operator = rest.remove("--operator");
                    if (rest.isEmpty() || rest.size() > 2) {
                        usage();
                    }
                    System.out.println(create(c, rest.get(0), rest.size() > 1 ? rest.get(1) : null, operator));
                }
                case "list" -> {
                    requireArgs(args, 1, 2);
                    System.out.printf(
                            "%-36s  %-20s  %-20s  %-10s  %-27s  %s%n",
                            "ID", "TENANT", "NAME", "PREFIX", "CREATED", "REVOKED");
                    for (Listed k : list(c, args.length > 1 ? args[1] : null)) {
                        System.out.printf(
                                "%-36s  %-20s  %-20s  %-10s  %-27s  %s%n",
                                k.id(),
                                k.tenant(),
                                k.name(),
                                k.prefix(),
                                k.createdAt(),
                                k.revokedAt() == null ? "-" : k.revokedAt());
                    }
                }
                case "revoke" -> {
                    requireArgs(args, 2, 2);
                    if (revoke(c, args[1]) == 0) {
                        System.err.println("no active key has id or prefix " + args[1]);
                        System.exit(1);
                    }
                    System.out.println("revoked " + args[1]);
                }
                case "local" -> {
                    requireArgs(args, 3, 3);
                    System.out.println(local(c, Path.of(args[1]), args[2]));
                }
                default -> usage();
            }
        } catch (SQLException e) {
            System.err.println("database " + url + ": " + e.getMessage());
            System.exit(1);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }

    private static void requireArgs(String[] args, int min, int max) {
        if (args.length < min || args.length > max) {
            usage();
        }
    }

    private static void usage() {
        System.err.println("""
                usage: ApiKeys create TENANT [NAME] [--operator] | list [TENANT] | revoke ID|PREFIX | local FILE TENANT
                (database: FORKYARD_DB_URL, FORKYARD_DB_USER, FORKYARD_DB_PASSWORD)""");
        System.exit(2);
    }
}
