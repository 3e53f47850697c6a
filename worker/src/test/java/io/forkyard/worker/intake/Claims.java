package io.forkyard.worker.intake;

import io.forkyard.db.Jdbc;
import io.forkyard.worker.run.ClaimedJob;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/** Test access to the claimer's statement, as the intake runs it. */
public final class Claims {

    private Claims() {}

    public static List<ClaimedJob> claim(DataSource db, String owner, Duration lease, UUID... ids) throws Exception {
        return Jdbc.autoCommit(db, c -> new ClaimStatement(owner, lease).execute(c, List.of(ids)));
    }
}
