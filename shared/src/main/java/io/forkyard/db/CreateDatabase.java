package io.forkyard.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates a PostgreSQL database if it is missing: the step of {@code deploy/local/run} that would
 * otherwise need {@code psql}. Flyway, which the apps run at start, can't create the database it
 * migrates. Run with the PostgreSQL driver on the class path (the packaged web tier's {@code
 * lib/main} has both): {@code java -cp 'web-frontend/target/quarkus-app/lib/main/*'
 * io.forkyard.db.CreateDatabase HOST PORT USER NAME}, the password in {@code FORKYARD_DB_PASSWORD}
 * (empty if unset), so it never shows in a process listing.
 */
public final class CreateDatabase {

    private CreateDatabase() {}

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: CreateDatabase HOST PORT USER NAME (password in FORKYARD_DB_PASSWORD)");
            System.exit(2);
        }
        String server = "jdbc:postgresql://" + args[0] + ":" + args[1] + "/";
        String password = System.getenv().getOrDefault("FORKYARD_DB_PASSWORD", "");
        try {
            if (ifMissing(server, args[2], password, args[3])) {
                System.out.println("created database " + args[3]);
            }
        } catch (SQLException e) {
            System.err.println("PostgreSQL at " + args[0] + ":" + args[1] + " as " + args[2] + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Creates database {@code name} on the server at {@code server} ({@code
     * jdbc:postgresql://host:port/}) unless it exists; returns whether it created it.
     */
    public static boolean ifMissing(String server, String user, String password, String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(server + "postgres", user, password)) {
            try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, name);
                try (ResultSet rs = exists.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            try (Statement create = c.createStatement()) {
                create.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
            }
            return true;
        }
    }
}
