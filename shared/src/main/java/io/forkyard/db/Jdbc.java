package io.forkyard.db;

import java.net.ConnectException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import javax.sql.DataSource;
import org.hibernate.exception.JDBCConnectionException;

/**
 * Plain JDBC for the hot path: explicit transactions on the application's (Agroal) data source,
 * and the one test of whether a failure means "the database is unreachable" (wait and retry) or
 * "the database refused this statement" (retrying the same statement can't help).
 *
 * <p>Callers must not hold a JTA transaction: these transactions are the connection's own.
 */
public final class Jdbc {

    /** Work on a connection inside a transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection connection) throws SQLException;
    }

    private Jdbc() {}

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public static <T> T inTransaction(DataSource dataSource, Work<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            T result;
            try {
                result = work.apply(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection, e);
                resetQuietly(connection, e);
                throw e;
            }
            connection.setAutoCommit(true);
            return result;
        }
    }

    /**
     * Runs {@code work} on a connection in auto-commit mode: each statement is its own transaction,
     * one round trip. For single statements that are atomic on their own.
     */
    public static <T> T autoCommit(DataSource dataSource, Work<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return work.apply(connection);
        }
    }

    /**
     * Makes the rest of the caller's transaction read a queue-like partial index in its order (a
     * plain index scan) rather than with a bitmap scan. Under churn such an index holds far more
     * dead entries than live ones until vacuum removes them; a bitmap scan visits the heap for every
     * one, every time, while an index scan marks the dead ones as it passes, so the next scans skip
     * them, and it stops at its LIMIT. (Measured on 60,000 dead entries: 10 ms against 0.2 ms.)
     */
    public static void preferIndexOrder(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off");
        }
    }

    /**
     * Whether the failure means the database can't be reached (connection refused or lost, server
     * shutting down, no pooled connection in time), as opposed to a statement it refused.
     */
    public static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JDBCConnectionException
                    || t instanceof SQLTransientConnectionException
                    || t instanceof ConnectException) {
                return true;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                // 08: connection exception; 57P: operator intervention (shutdown, cannot connect now)
                if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
                    return true;
                }
                if (sql.getMessage() != null && sql.getMessage().contains("Acquisition timeout")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether the same statement may succeed when tried again: the database was unreachable, or the
     * statement lost a deadlock or a serialization conflict.
     */
    public static boolean worthRetrying(Throwable e) {
        if (isConnectionFailure(e)) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql
                    && ("40P01".equals(sql.getSQLState()) || "40001".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code text} made fit for a text column of {@code maxLength} characters: U+0000, which
     * PostgreSQL's text can't hold, becomes U+FFFD, and a longer text is cut and marked with an
     * ellipsis. For messages to people, where a lost NUL matters less than a refused write.
     */
    public static String fit(String text, int maxLength) {
        if (text == null) {
            return null;
        }
        String storable = text.replace('\u0000', '\uFFFD');
        return storable.length() <= maxLength ? storable : storable.substring(0, maxLength - 1) + "…";
    }

    public static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    /** Gives the pooled connection back in auto-commit mode, keeping the first failure. */
    private static void resetQuietly(Connection connection, Exception cause) {
        try {
            connection.setAutoCommit(true);
        } catch (SQLException reset) {
            cause.addSuppressed(reset);
        }
    }

    private static void rollbackQuietly(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException rollback) {
            cause.addSuppressed(rollback);
        }
    }
}
