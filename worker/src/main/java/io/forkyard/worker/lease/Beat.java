package io.forkyard.worker.lease;

import io.forkyard.worker.run.HeldJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The lease keeper's one statement: renews every held job's lease (a row whose token no longer
 * matches is not ours any more), writes run starts and progress, upserts this worker's heartbeat
 * row, and counts the free slots of other live, idle workers that serve one of our queues. Rows
 * are visited in id order, as every multi-row writer on {@code job} does.
 */
final class Beat {

    static final String SQL = """
            WITH h AS (
                SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[], ?::integer[], ?::text[])
                       AS h(id, token, started_at, percent, message)
                 ORDER BY id),
            renewed AS (
                UPDATE job j
                   SET lease_expires_at = now() + ? * interval '1 millisecond',
                       started_at = coalesce(h.started_at, j.started_at),
                       progress_percent = coalesce(h.percent, j.progress_percent),
                       progress_message = CASE WHEN h.percent IS NULL THEN j.progress_message ELSE h.message END
                  FROM h
                 WHERE j.id = h.id AND j.lease_token = h.token AND j.status = 'RUNNING'
                RETURNING j.id, j.cancel_requested),
            me AS (
                INSERT INTO worker (id, queues, slots, busy, buffered) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE
                   SET queues = excluded.queues, slots = excluded.slots, busy = excluded.busy,
                       buffered = excluded.buffered, heartbeat_at = now())
            SELECT id, cancel_requested, NULL::bigint AS idle FROM renewed
            UNION ALL
            SELECT NULL, NULL, coalesce(sum(slots - busy), 0) FROM worker
             WHERE id <> ? AND queues && ? AND busy < slots AND buffered = 0
               AND heartbeat_at > now() - ? * interval '1 millisecond'
            """;

    static final String LEAVE = "DELETE FROM worker WHERE id = ?";

    /** What the database said: leases lost, cancels asked, and idle slots elsewhere. */
    record Answer(Set<UUID> lost, Set<UUID> cancelled, int idlePeerSlots) {}

    private static final int MAX_MESSAGE = 500;

    private final String worker;
    private final List<String> queues;
    private final Duration lease;
    private final Duration peerSilence;

    Beat(String worker, List<String> queues, Duration lease, Duration heartbeat) {
        this.worker = worker;
        this.queues = queues;
        this.lease = lease;
        // a worker that missed two beats is not counted as idle: it may be gone
        this.peerSilence = heartbeat.multipliedBy(3);
    }

    Answer execute(Connection c, Collection<HeldJob> jobs, int slots, int busy, int buffered) throws SQLException {
        int n = jobs.size();
        Object[] ids = new Object[n];
        Object[] tokens = new Object[n];
        String[] started = new String[n];
        Integer[] percents = new Integer[n];
        String[] messages = new String[n];
        int i = 0;
        for (HeldJob job : jobs) {
            ids[i] = job.claim().id();
            tokens[i] = job.claim().leaseToken();
            Instant startedAt = job.startedAt();
            started[i] = startedAt == null ? null : startedAt.toString();
            HeldJob.Progress progress = job.progress();
            percents[i] = progress == null ? null : progress.percent();
            messages[i] = progress == null ? null : truncate(progress.message());
            i++;
        }
        Object[] queueNames = queues.toArray();
        try (PreparedStatement s = c.prepareStatement(SQL)) {
            s.setArray(1, c.createArrayOf("uuid", ids));
            s.setArray(2, c.createArrayOf("uuid", tokens));
            s.setArray(3, c.createArrayOf("text", started));
            s.setArray(4, c.createArrayOf("integer", percents));
            s.setArray(5, c.createArrayOf("text", messages));
            s.setLong(6, lease.toMillis());
            s.setString(7, worker);
            s.setArray(8, c.createArrayOf("text", queueNames));
            s.setInt(9, slots);
            s.setInt(10, busy);
            s.setInt(11, buffered);
            s.setString(12, worker);
            s.setArray(13, c.createArrayOf("text", queueNames));
            s.setLong(14, peerSilence.toMillis());
            Set<UUID> renewed = new HashSet<>();
            Set<UUID> cancelled = new HashSet<>();
            int idle = 0;
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    if (id == null) {
                        idle = (int) rs.getLong(3);
                    } else {
                        renewed.add(id);
                        if (rs.getBoolean(2)) {
                            cancelled.add(id);
                        }
                    }
                }
            }
            List<UUID> lost = new ArrayList<>();
            for (HeldJob job : jobs) {
                if (!renewed.contains(job.claim().id())) {
                    lost.add(job.claim().id());
                }
            }
            return new Answer(Set.copyOf(lost), cancelled, idle);
        }
    }

    int leave(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(LEAVE)) {
            s.setString(1, worker);
            return s.executeUpdate();
        }
    }

    private static String truncate(String s) {
        return s == null || s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE - 1) + "…";
    }
}
