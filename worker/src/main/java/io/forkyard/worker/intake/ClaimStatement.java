package io.forkyard.worker.intake;

import io.forkyard.job.JobStatus;
import io.forkyard.worker.run.ClaimedJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * The claimer's one statement (README "How it works", Fetch and claim): claims a fetched batch, {@code QUEUED →
 * RUNNING} on each id that is still queued, due and not cancelled, with a new lease token, attempt
 * + 1 and a lease expiry. Ids not returned were not claimable (finished, cancelled, claimed by a
 * live lease, not yet due): their records are redeliveries. The attempt rows follow from the
 * status change (a trigger), in the same transaction.
 *
 * <p>A job of a paused queue, or of a queue with a concurrency limit, is not claimed here: {@link
 * LimitedClaim} takes those, under the queue's lock.
 *
 * <p>Rows are locked in id order, as every multi-row writer on {@code job} does, so two claimers
 * can't deadlock. It waits for a row the outbox relay still holds (the relay publishes before it
 * commits), rather than skip it, which would leave the job queued with its record acknowledged.
 */
final class ClaimStatement {

    static {
        JobStatus.requireTransition(JobStatus.QUEUED, JobStatus.RUNNING);
    }

    private static final String TEMPLATE = """
            UPDATE job j
               SET status = 'RUNNING', attempt = j.attempt + 1, lease_token = gen_random_uuid(),
                   lease_owner = ?, lease_expires_at = now() + ? * interval '1 millisecond',
                   started_at = NULL, progress_percent = NULL, progress_message = NULL, updated_at = now()
              FROM (SELECT id FROM job
                     WHERE id = ANY(?) AND status = 'QUEUED' AND NOT cancel_requested AND run_at <= now()%s
                     ORDER BY id FOR UPDATE) c
             WHERE j.id = c.id
            RETURNING j.id, j.type, j.input::text, j.attempt, j.max_attempts, j.timeout_seconds, j.lease_token,
                      clock_timestamp(), j.created_at, j.priority
            """;

    /**
     * The claim of a fetch: jobs of a paused or limited queue are left alone ({@link LimitedClaim}
     * claims those).
     */
    static final String SQL = TEMPLATE.formatted(
            "\n       AND queue NOT IN (SELECT name FROM queue WHERE paused OR concurrency_limit IS NOT NULL)");

    /** The claim of jobs whose limited queues' locks the caller holds, with room counted. */
    static final String ANY_QUEUE_SQL = TEMPLATE.formatted("");

    private final String owner;
    private final Duration lease;

    ClaimStatement(String owner, Duration lease) {
        this.owner = owner;
        this.lease = lease;
    }

    List<ClaimedJob> execute(Connection c, Collection<UUID> ids) throws SQLException {
        return execute(c, ids, SQL, false);
    }

    /** Claims {@code ids} whatever their queue; the caller holds their limited queues' locks. */
    List<ClaimedJob> executeLimited(Connection c, Collection<UUID> ids) throws SQLException {
        return execute(c, ids, ANY_QUEUE_SQL, true);
    }

    private List<ClaimedJob> execute(Connection c, Collection<UUID> ids, String sql, boolean limited)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, owner);
            s.setLong(2, lease.toMillis());
            s.setArray(3, c.createArrayOf("uuid", ids.toArray()));
            List<ClaimedJob> claimed = new ArrayList<>(ids.size());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    claimed.add(new ClaimedJob(
                            rs.getObject(1, UUID.class),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getInt(4),
                            rs.getInt(5),
                            rs.getInt(6),
                            rs.getObject(7, UUID.class),
                            rs.getTimestamp(8).toInstant(),
                            rs.getTimestamp(9).toInstant(),
                            rs.getInt(10),
                            limited));
                }
            }
            return claimed;
        }
    }
}
