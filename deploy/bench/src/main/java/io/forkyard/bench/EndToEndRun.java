package io.forkyard.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One batch of jobs through the whole system: first submit over HTTP to the last job's {@code
 * finished_at} in PostgreSQL. Both clocks are this machine's, so the wall time is exact to the
 * database's microseconds; the polling interval only delays when the run is noticed to be over.
 */
record EndToEndRun(List<UUID> ids, Map<UUID, JobTable.Row> rows, Duration wall, long unfinished) {

    static EndToEndRun execute(JobApi api, JobTable table, List<ObjectNode> jobs, int batchSize, Duration timeout)
            throws Exception {
        Instant firstSubmit = Instant.now();
        List<UUID> ids = api.submit(jobs, batchSize);
        long unfinished = table.awaitFinished(ids, timeout);
        Map<UUID, JobTable.Row> rows = table.rows(ids);
        Instant last = rows.values().stream()
                .map(JobTable.Row::finishedAt)
                .filter(Objects::nonNull)
                .max(Comparator.naturalOrder())
                .orElse(Instant.now());
        return new EndToEndRun(ids, rows, Duration.between(firstSubmit, last), unfinished);
    }

    double wallSeconds() {
        return wall.toNanos() / 1e9;
    }

    long count(String status) {
        return rows.values().stream().filter(r -> r.status().equals(status)).count();
    }

    /** Jobs that needed more than one attempt: each one is a retry the figure paid for. */
    long retried() {
        return rows.values().stream().filter(r -> r.attempt() > 1).count();
    }

    String describeFailures() {
        StringBuilder out = new StringBuilder();
        rows.values().stream()
                .filter(r -> !r.status().equals("SUCCEEDED"))
                .limit(5)
                .forEach(r -> out.append("\n  ")
                        .append(r.id())
                        .append(' ')
                        .append(r.status())
                        .append(' ')
                        .append(r.errorCode()));
        return out.toString();
    }
}
