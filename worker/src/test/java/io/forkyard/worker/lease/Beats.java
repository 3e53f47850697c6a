package io.forkyard.worker.lease;

import io.forkyard.db.Jdbc;
import io.forkyard.worker.run.HeldJob;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/** Test access to the lease keeper's statement, as the lease keeper runs it. */
public final class Beats {

    /** What one beat answered. */
    public record Answer(Set<UUID> lost, Set<UUID> cancelled, int idlePeerSlots) {}

    private Beats() {}

    /**
     * One beat of worker {@code worker} (queues {@code queues}) holding {@code jobs}, with 1-minute
     * leases renewed once older than {@code renewAfter}.
     */
    public static Answer beat(
            DataSource db,
            String worker,
            List<String> queues,
            Duration renewAfter,
            int slots,
            int busy,
            int buffered,
            HeldJob... jobs)
            throws Exception {
        Beat beat = new Beat(worker, queues, Duration.ofMinutes(1), renewAfter, Duration.ofMillis(500));
        Beat.Answer answer = Jdbc.autoCommit(db, c -> beat.execute(c, List.of(jobs), slots, busy, buffered));
        return new Answer(answer.lost(), answer.cancelled(), answer.idlePeerSlots());
    }
}
