package io.forkyard.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Against the local PostgreSQL, as the launcher runs it ({@code FORKYARD_TEST_PG_*} point elsewhere). */
class CreateDatabaseTest {

    private static final String SERVER = "jdbc:postgresql://" + env("FORKYARD_TEST_PG_HOST", "127.0.0.1") + ":"
            + env("FORKYARD_TEST_PG_PORT", "5432") + "/";
    private static final String USER = env("FORKYARD_TEST_PG_USER", "postgres");

    @Test
    void aMissingDatabaseIsCreatedOnceAndAnExistingOneIsLeftAlone() throws Exception {
        // Upper case and a dash: the name must be quoted to be kept as it is.
        String name = "Forkyard-CreateDb-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            assertThat(exists(name)).isFalse();

            assertThat(CreateDatabase.ifMissing(SERVER, USER, "", name)).isTrue();
            assertThat(exists(name)).isTrue();

            assertThat(CreateDatabase.ifMissing(SERVER, USER, "", name)).isFalse();
            assertThat(exists(name)).isTrue();
        } finally {
            admin("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
        }
    }

    private static boolean exists(String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER + "postgres", USER, "");
                var s = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void admin(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER + "postgres", USER, "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
