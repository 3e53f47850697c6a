package io.forkyard.worker.intake;

import io.forkyard.worker.run.ClaimedJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The claim of fetched jobs whose queue is paused or has a concurrency limit (README "Queues"), in
 * one transaction: lock those queues' rows (in name order), count what runs in each now, claim as
 * many as fit in the order they were fetched, and make the rest pending again, so the outbox relay
 * publishes them once a slot is free (or the queue is resumed). The lock serialises the claims of
 * a queue across all workers, so at most its limit of its jobs is ever RUNNING; a dead worker's
 * jobs keep their slots until the lease sweeper ends or requeues them.
 */
final class LimitedClaim {

    static final String CANDIDATES = """
            SELECT j.id, j.queue FROM job j JOIN queue q ON q.name = j.queue
             WHERE j.id = ANY(?) AND j.status = 'QUEUED' AND NOT j.cancel_requested AND j.run_at <= now()
               AND (q.paused OR q.concurrency_limit IS NOT NULL)
            """;

    static final String LOCK_QUEUES =
            "SELECT name, paused, concurrency_limit FROM queue WHERE name = ANY(?) ORDER BY name FOR UPDATE";

    /** Read after the locks are held: a new statement sees every claim committed before them. */
    static final String RUNNING = """
            SELECT queue, count(*) FROM job
             WHERE lease_expires_at IS NOT NULL AND status = 'RUNNING' AND queue = ANY(?)
             GROUP BY queue
            """;

    /** Back in the outbox (V15__job_outbox.sql), for the relay to publish once there is room. */
    static final String TURN_AWAY = "SELECT job_outbox_put(?)";

    private final ClaimStatement claims;

    LimitedClaim(ClaimStatement claims) {
        this.claims = claims;
    }

    /**
     * Claims what it may of {@code unclaimed} (ids the plain claim left, in fetch order); ids of
     * other queues, or not claimable at all, are left alone. Runs in the caller's transaction.
     */
    List<ClaimedJob> execute(Connection c, List<UUID> unclaimed) throws SQLException {
        Map<UUID, String> candidates = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement(CANDIDATES)) {
            s.setArray(1, c.createArrayOf("uuid", unclaimed.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    candidates.put(rs.getObject(1, UUID.class), rs.getString(2));
                }
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        Object[] queues = candidates.values().stream().distinct().toArray();
        Map<String, Integer> room = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement(LOCK_QUEUES)) {
            s.setArray(1, c.createArrayOf("text", queues));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int limit = rs.getInt(3);
                    boolean unlimited = rs.wasNull();
                    room.put(rs.getString(1), rs.getBoolean(2) ? 0 : unlimited ? Integer.MAX_VALUE : limit);
                }
            }
        }
        try (PreparedStatement s = c.prepareStatement(RUNNING)) {
            s.setArray(1, c.createArrayOf("text", queues));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String queue = rs.getString(1);
                    int running = rs.getInt(2);
                    room.computeIfPresent(queue, (q, r) -> r == Integer.MAX_VALUE ? r : r - running);
                }
            }
        }
        Map<UUID, String> allowed = new LinkedHashMap<>();
        List<UUID> turnedAway = new ArrayList<>();
        for (UUID id : unclaimed) {
            String queue = candidates.get(id);
            if (queue == null) {
                continue;
            }
            if (room.merge(queue, -1, Integer::sum) >= 0) {
                allowed.put(id, queue);
            } else {
                turnedAway.add(id);
            }
        }
        if (!turnedAway.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement(TURN_AWAY)) {
                s.setArray(1, c.createArrayOf("uuid", turnedAway.toArray()));
                s.execute();
            }
        }
        return allowed.isEmpty() ? List.of() : claims.executeLimited(c, allowed.keySet());
    }
}
