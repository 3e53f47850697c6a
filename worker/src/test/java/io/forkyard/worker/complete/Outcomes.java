package io.forkyard.worker.complete;

import io.forkyard.db.Jdbc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/** Test access to the completer's statement, as the completer runs it. */
public final class Outcomes {

    private Outcomes() {}

    /** Writes the outcomes in one statement; returns the new status of each job written. */
    public static Map<UUID, String> write(DataSource db, Duration backoffBase, Duration backoffCap, Outcome... outcomes)
            throws Exception {
        return Jdbc.autoCommit(db, c -> new OutcomeStatement(backoffBase, backoffCap).execute(c, List.of(outcomes)));
    }
}
