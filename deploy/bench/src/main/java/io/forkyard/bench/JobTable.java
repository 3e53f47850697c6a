package io.forkyard.bench;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Reads the job table directly, for the end of a run: the database's {@code finished_at} has
 * microsecond precision and costs the system nothing to read, where polling the API would add
 * load and a polling interval to the figure.
 */
final class JobTable implements AutoCloseable {

    /** One finished (or not) job as stored. */
    record Row(
            UUID id,
            String status,
            int attempt,
            String hex,
            String errorCode,
            Instant createdAt,
            Instant claimedAt,
            Instant startedAt,
            Instant finishedAt) {}

    private static final Duration POLL = Duration.ofMillis(100);
    private static final int PROBE = 200;

    private final Connection connection;

    JobTable(String jdbcUrl, String user, String password) throws SQLException {
        this.connection = DriverManager.getConnection(jdbcUrl, user, password);
    }

    /**
     * Waits until every job is {@code SUCCEEDED}, {@code FAILED} or {@code CANCELLED}, polling every
     * 100 ms for at most {@code timeout}; returns how many are still unfinished (0 unless timed out).
     *
     * <p>The benchmark shares the database with the system it measures, so each poll asks only about
     * the newest {@value #PROBE} jobs not yet seen finished (jobs finish roughly in submission order)
     * and forgets the finished ones: a run's polls cost about as much as reading each row once,
     * rather than every row on every poll (which cost PostgreSQL a third of a core at 10,000 jobs).
     */
    long awaitFinished(List<UUID> ids, Duration timeout) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<UUID> remaining = new ArrayList<>(ids);
        try (PreparedStatement finished = connection.prepareStatement(
                "SELECT id FROM job WHERE id = ANY(?) AND status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')")) {
            while (!remaining.isEmpty()) {
                List<UUID> probe = remaining.subList(Math.max(0, remaining.size() - PROBE), remaining.size());
                finished.setArray(1, uuids(probe));
                Set<UUID> done = new HashSet<>();
                try (ResultSet rs = finished.executeQuery()) {
                    while (rs.next()) {
                        done.add(rs.getObject(1, UUID.class));
                    }
                }
                boolean probeFinished = done.size() == probe.size();
                probe.removeIf(done::contains);
                if (probeFinished) {
                    continue; // the newest are done: look at the next ones at once
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(POLL.toMillis());
            }
        }
        return remaining.size();
    }

    Map<UUID, Row> rows(List<UUID> ids) throws SQLException {
        Map<UUID, Row> rows = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, status, attempt, result->>'hex', error_code, created_at,"
                        + " (SELECT a.claimed_at FROM job_attempt a WHERE a.job_id = j.id AND a.attempt = j.attempt"
                        + " ORDER BY a.claimed_at DESC LIMIT 1), started_at, finished_at FROM job j WHERE id = ANY(?)")) {
            select.setArray(1, uuids(ids));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    rows.put(
                            id,
                            new Row(
                                    id,
                                    rs.getString(2),
                                    rs.getInt(3),
                                    rs.getString(4),
                                    rs.getString(5),
                                    instant(rs.getTimestamp(6)),
                                    instant(rs.getTimestamp(7)),
                                    instant(rs.getTimestamp(8)),
                                    instant(rs.getTimestamp(9))));
                }
            }
        }
        return rows;
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    private Array uuids(List<UUID> ids) throws SQLException {
        return connection.createArrayOf("uuid", ids.toArray());
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
