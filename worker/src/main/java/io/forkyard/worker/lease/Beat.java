package io.forkyard.worker.lease;

import io.forkyard.db.Jdbc;
import io.forkyard.worker.run.HeldJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The lease keeper's one statement. It writes only what needs writing: leases older than a third
 * of their length (a job that ends within that time costs no renewal), run starts and progress
 * not yet written; and it reads, without locking, whether every held job is still this worker's and
 * whether a cancel was asked. So a beat and the completer's group commit rarely wait for each
 * other's row locks. It also upserts this worker's heartbeat row and counts the free slots of other
 * live, idle workers that serve one of our queues. Rows are written in id order, as every multi-row
 * writer on {@code job} does.
 */
final class Beat {

    static final String SQL = """
            WITH h AS (
                SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::boolean[], ?::timestamptz[], ?::integer[], ?::text[])
                       AS h(id, token, write, started_at, percent, message)
                 ORDER BY id),
            written AS (
                UPDATE job j
                   SET lease_expires_at = now() + ? * interval '1 millisecond',
                       started_at = coalesce(h.started_at, j.started_at),
                       progress_percent = coalesce(h.percent, j.progress_percent),
                       progress_message = CASE WHEN h.percent IS NULL THEN j.progress_message ELSE h.message END
                  FROM h
                 WHERE h.write AND j.id = h.id AND j.lease_token = h.token AND j.status = 'RUNNING'
                RETURNING j.id),
            me AS (
                INSERT INTO worker (id, queues, slots, busy, buffered) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE
                   SET queues = excluded.queues, slots = excluded.slots, busy = excluded.busy,
                       buffered = excluded.buffered, heartbeat_at = now())
            SELECT j.id, j.cancel_requested, NULL::bigint AS idle FROM h
              JOIN job j ON j.id = h.id AND j.lease_token = h.token AND j.status = 'RUNNING'
            UNION ALL
            SELECT NULL, NULL, coalesce(sum(slots - busy), 0) FROM worker
             WHERE id <> ? AND queues && ? AND busy < slots AND buffered = 0
               AND heartbeat_at > now() - ? * interval '1 millisecond'
            """;

    static final String LEAVE = "DELETE FROM worker WHERE id = ?";

    /** What the database said: leases lost, cancels asked, and idle slots elsewhere. */
    record Answer(Set<UUID> lost, Set<UUID> cancelled, int idlePeerSlots) {}

    /** The length of the column the message goes to. */
    private static final int MAX_MESSAGE = 500;

    private final String worker;
    private final List<String> queues;
    private final Duration lease;
    private final Duration renewAfter;
    private final Duration peerSilence;

    /** Renews leases of {@code lease} once they are older than {@code renewAfter}. */
    Beat(String worker, List<String> queues, Duration lease, Duration renewAfter, Duration heartbeat) {
        this.worker = worker;
        this.queues = queues;
        this.lease = lease;
        this.renewAfter = renewAfter;
        // a worker that missed two beats is not counted as idle: it may be gone
        this.peerSilence = heartbeat.multipliedBy(3);
    }

    Answer execute(Connection c, Collection<HeldJob> jobs, int slots, int busy, int buffered) throws SQLException {
        long beatNanos = System.nanoTime();
        int n = jobs.size();
        Object[] ids = new Object[n];
        Object[] tokens = new Object[n];
        Boolean[] write = new Boolean[n];
        String[] started = new String[n];
        Integer[] percents = new Integer[n];
        String[] messages = new String[n];
        Instant[] startsWritten = new Instant[n];
        HeldJob.Progress[] progressWritten = new HeldJob.Progress[n];
        int i = 0;
        for (HeldJob job : jobs) {
            ids[i] = job.claim().id();
            tokens[i] = job.claim().leaseToken();
            startsWritten[i] = job.unreportedStart();
            progressWritten[i] = job.unreportedProgress();
            write[i] = job.leaseOlderThan(renewAfter) || startsWritten[i] != null || progressWritten[i] != null;
            started[i] = startsWritten[i] == null ? null : startsWritten[i].toString();
            percents[i] = progressWritten[i] == null ? null : progressWritten[i].percent();
            messages[i] = progressWritten[i] == null ? null : Jdbc.fit(progressWritten[i].message(), MAX_MESSAGE);
            i++;
        }
        Object[] queueNames = queues.toArray();
        try (PreparedStatement s = c.prepareStatement(SQL)) {
            s.setArray(1, c.createArrayOf("uuid", ids));
            s.setArray(2, c.createArrayOf("uuid", tokens));
            s.setArray(3, c.createArrayOf("boolean", write));
            s.setArray(4, c.createArrayOf("text", started));
            s.setArray(5, c.createArrayOf("integer", percents));
            s.setArray(6, c.createArrayOf("text", messages));
            s.setLong(7, lease.toMillis());
            s.setString(8, worker);
            s.setArray(9, c.createArrayOf("text", queueNames));
            s.setInt(10, slots);
            s.setInt(11, busy);
            s.setInt(12, buffered);
            s.setString(13, worker);
            s.setArray(14, c.createArrayOf("text", queueNames));
            s.setLong(15, peerSilence.toMillis());
            Set<UUID> ours = new HashSet<>();
            Set<UUID> cancelled = new HashSet<>();
            int idle = 0;
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    if (id == null) {
                        idle = (int) rs.getLong(3);
                    } else {
                        ours.add(id);
                        if (rs.getBoolean(2)) {
                            cancelled.add(id);
                        }
                    }
                }
            }
            Set<UUID> lost = new HashSet<>();
            i = 0;
            for (HeldJob job : jobs) {
                if (!ours.contains(job.claim().id())) {
                    lost.add(job.claim().id());
                } else if (write[i]) {
                    job.renewed(beatNanos, startsWritten[i], progressWritten[i]);
                }
                i++;
            }
            return new Answer(lost, cancelled, idle);
        }
    }

    int leave(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(LEAVE)) {
            s.setString(1, worker);
            return s.executeUpdate();
        }
    }
}
