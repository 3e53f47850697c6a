package io.forkyard.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A PostgreSQL database of its own for one test run, on the local server (trust auth), dropped at
 * the end. {@code FORKYARD_TEST_PG_HOST}/{@code _PORT}/{@code _USER} point it elsewhere.
 */
public final class TestDatabase implements AutoCloseable {

    private final String server;
    private final String user;
    private final String name;

    private TestDatabase(String server, String user, String name) {
        this.server = server;
        this.user = user;
        this.name = name;
    }

    public static TestDatabase create(String purpose) {
        return create(
                purpose,
                env("FORKYARD_TEST_PG_HOST", "127.0.0.1"),
                env("FORKYARD_TEST_PG_PORT", "5432"),
                env("FORKYARD_TEST_PG_USER", "postgres"));
    }

    /** A database on a given server, e.g. a throwaway cluster a fault test stops and starts. */
    public static TestDatabase create(String purpose, String host, String port, String user) {
        String name = "forkyard_" + purpose + "_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        TestDatabase db = new TestDatabase("jdbc:postgresql://" + host + ":" + port + "/", user, name);
        db.admin("CREATE DATABASE " + name);
        return db;
    }

    public String jdbcUrl() {
        return server + name;
    }

    public String user() {
        return user;
    }

    public String name() {
        return name;
    }

    /** A new connection to this database. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user, "");
    }

    /** Runs one statement with positional parameters; returns the update count. */
    public int update(String sql, Object... params) throws SQLException {
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            return s.executeUpdate();
        }
    }

    /** Runs one query with positional parameters; returns its first column, as text, row by row. */
    public List<String> strings(String sql, Object... params) throws SQLException {
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        }
    }

    /** Declares {@code queue} (README "Queues"), as a worker serving it would; returns it. */
    public String declareQueue(String queue) {
        try {
            update("INSERT INTO queue (name) VALUES (?) ON CONFLICT DO NOTHING", queue);
        } catch (SQLException e) {
            throw new IllegalStateException("declaring queue " + queue, e);
        }
        return queue;
    }

    @Override
    public void close() {
        admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    private void admin(String sql) {
        try (Connection c = DriverManager.getConnection(server + "postgres", user, "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + server + " refused: " + sql, e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
