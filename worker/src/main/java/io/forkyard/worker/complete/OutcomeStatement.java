package io.forkyard.worker.complete;

import io.forkyard.db.Jdbc;
import io.forkyard.job.JobStatus;
import io.forkyard.messaging.Topics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The completer's one statement: writes a batch of outcomes, each a conditional update of a
 * RUNNING job that still carries the attempt's lease token. A worker that lost its lease changes
 * nothing; its refused rows are marked {@code stale_write_rejected} in their attempt, in the same
 * statement. The attempt history itself follows from the job's status change (a trigger).
 *
 * <p>A failure becomes QUEUED again with a backed-off {@code run_at} (base × 2^(attempt−1) with
 * ±25 % jitter, then capped) while it is retryable and attempts remain, else FAILED. A RELEASED
 * job gets its attempt back and is due at once. A job whose cancel was requested is never queued
 * again: what would have been a retry or a hand-back ends it CANCELLED; a success or a failure for
 * good that came first stands (a cancel is a request, not a guarantee). Rows are visited in id order, as every multi-row
 * writer on {@code job} does, so two writers can't deadlock.
 */
final class OutcomeStatement {

    static {
        for (JobStatus next : List.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.QUEUED)) {
            JobStatus.requireTransition(JobStatus.RUNNING, next);
        }
    }

    static final String SQL = """
            WITH o AS (
                SELECT o.*, j.attempt < j.max_attempts AS attempts_left, j.cancel_requested
                  FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                              ?::text[], ?::boolean[], ?::timestamptz[])
                       AS o(id, token, kind, result, base64, content_type, code, message, retryable, started_at)
                  JOIN job j ON j.id = o.id),
            n AS (
                SELECT o.*,
                       CASE WHEN kind = 'RELEASED' OR (kind = 'FAILED' AND retryable AND attempts_left)
                            THEN CASE WHEN cancel_requested THEN 'CANCELLED' ELSE 'QUEUED' END
                            ELSE kind END AS next
                  FROM o ORDER BY id),
            done AS (
                UPDATE job j
                   SET status = n.next,
                       attempt = CASE WHEN n.kind = 'RELEASED' THEN j.attempt - 1 ELSE j.attempt END,
                       run_at = CASE WHEN n.kind = 'RELEASED' THEN now()
                                     WHEN n.next = 'QUEUED' THEN now() + least(?, ? * power(2, j.attempt - 1)
                                          * (0.75 + random() / 2)) * interval '1 millisecond'
                                     ELSE j.run_at END,
                       started_at = coalesce(n.started_at, j.started_at),
                       finished_at = CASE WHEN n.next = 'QUEUED' THEN NULL ELSE now() END,
                       result = n.result::jsonb,
                       result_bytes = decode(n.base64, 'base64'),
                       result_content_type = n.content_type,
                       error_code = CASE WHEN n.next = 'CANCELLED' THEN 'CANCELLED'
                                         WHEN n.kind = 'RELEASED' THEN j.error_code ELSE n.code END,
                       error_message = CASE WHEN n.next = 'CANCELLED' AND n.kind <> 'CANCELLED'
                                            THEN CASE WHEN n.started_at IS NULL THEN 'cancelled before it started'
                                                      ELSE 'cancelled while running' END
                                            WHEN n.kind = 'RELEASED' THEN j.error_message ELSE n.message END,
                       progress_percent = CASE n.kind WHEN 'SUCCEEDED' THEN 100 WHEN 'RELEASED' THEN NULL
                                               ELSE j.progress_percent END,
                       progress_message = CASE WHEN n.kind IN ('SUCCEEDED', 'RELEASED') THEN NULL
                                               ELSE j.progress_message END,
                       lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                  FROM n
                 WHERE j.id = n.id AND j.lease_token = n.token AND j.status = 'RUNNING'
                RETURNING j.id, j.status),
            stale AS (
                UPDATE job_attempt a SET stale_write_rejected = true
                  FROM n
                 WHERE a.lease_token = n.token AND n.id NOT IN (SELECT id FROM done))
            SELECT id, status FROM done
            """;

    /** The length of the column the message goes to. */
    private static final int MAX_MESSAGE = 4000;

    private final Duration backoffBase;
    private final Duration backoffCap;

    OutcomeStatement(Duration backoffBase, Duration backoffCap) {
        this.backoffBase = backoffBase;
        this.backoffCap = backoffCap;
    }

    /** Writes the outcomes; returns the new status of each job whose write was accepted, by id. */
    Map<UUID, String> execute(Connection connection, List<Outcome> outcomes) throws SQLException {
        int n = outcomes.size();
        Object[] ids = new Object[n];
        Object[] tokens = new Object[n];
        String[] kinds = new String[n];
        String[] results = new String[n];
        String[] base64 = new String[n];
        String[] contentTypes = new String[n];
        String[] codes = new String[n];
        String[] messages = new String[n];
        Boolean[] retryable = new Boolean[n];
        String[] started = new String[n];
        for (int i = 0; i < n; i++) {
            Outcome o = outcomes.get(i);
            ids[i] = o.job().claim().id();
            tokens[i] = o.job().claim().leaseToken();
            kinds[i] = o.kind().name();
            results[i] = o.resultJson();
            base64[i] = o.resultBase64();
            contentTypes[i] = o.contentType();
            codes[i] = o.code() == null ? null : o.code().name();
            messages[i] = Jdbc.fit(o.message(), MAX_MESSAGE);
            retryable[i] = o.retryable();
            Instant startedAt = o.job().startedAt();
            started[i] = startedAt == null ? null : startedAt.toString();
        }
        try (PreparedStatement s = connection.prepareStatement(SQL)) {
            s.setArray(1, connection.createArrayOf("uuid", ids));
            s.setArray(2, connection.createArrayOf("uuid", tokens));
            s.setArray(3, connection.createArrayOf("text", kinds));
            s.setArray(4, connection.createArrayOf("text", results));
            s.setArray(5, connection.createArrayOf("text", base64));
            s.setArray(6, connection.createArrayOf("text", contentTypes));
            s.setArray(7, connection.createArrayOf("text", codes));
            s.setArray(8, connection.createArrayOf("text", messages));
            s.setArray(9, connection.createArrayOf("boolean", retryable));
            s.setArray(10, connection.createArrayOf("text", started));
            s.setLong(11, backoffCap.toMillis());
            s.setLong(12, backoffBase.toMillis());
            Map<UUID, String> written = new HashMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    written.put(rs.getObject(1, UUID.class), rs.getString(2));
                }
            }
            return written;
        }
    }

    /** Tells the outbox relay that jobs are due now (a {@code NOTIFY} on {@link Topics#OUTBOX_CHANNEL}). */
    static void wakeOutboxRelay(Connection connection) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("SELECT pg_notify(?, '')")) {
            s.setString(1, Topics.OUTBOX_CHANNEL);
            s.execute();
        }
    }
}
