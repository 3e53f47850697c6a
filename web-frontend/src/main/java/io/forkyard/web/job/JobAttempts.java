package io.forkyard.web.job;

import io.forkyard.db.Jdbc;
import io.forkyard.db.StoreException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A job's attempt history as clients see it, from {@code job_attempt} (written by the attempt
 * history trigger): who ran each attempt, when it was claimed, started and ended, and how it ended
 * ({@code outcome} null while it runs). {@code staleWriteRejected}: the worker tried to write after
 * losing its lease and was refused.
 */
@ApplicationScoped
public class JobAttempts {

    static final String SELECT = """
            SELECT attempt, worker, claimed_at, started_at, ended_at, outcome, stale_write_rejected
              FROM job_attempt WHERE job_id = ? ORDER BY claimed_at, attempt
            """;

    /** One attempt. */
    public record Attempt(
            int attempt,
            String worker,
            Instant claimedAt,
            Instant startedAt,
            Instant endedAt,
            String outcome,
            boolean staleWriteRejected) {}

    @Inject
    DataSource dataSource;

    /** The attempts of a job the caller may see, oldest first. */
    public List<Attempt> of(UUID jobId) {
        try {
            return Jdbc.autoCommit(dataSource, c -> {
                try (PreparedStatement s = c.prepareStatement(SELECT)) {
                    s.setObject(1, jobId);
                    List<Attempt> attempts = new ArrayList<>();
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            attempts.add(new Attempt(
                                    rs.getInt("attempt"),
                                    rs.getString("worker"),
                                    Jdbc.instant(rs.getTimestamp("claimed_at")),
                                    Jdbc.instant(rs.getTimestamp("started_at")),
                                    Jdbc.instant(rs.getTimestamp("ended_at")),
                                    rs.getString("outcome"),
                                    rs.getBoolean("stale_write_rejected")));
                        }
                    }
                    return attempts;
                }
            });
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }
}
