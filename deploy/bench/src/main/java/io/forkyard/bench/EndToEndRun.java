package io.forkyard.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/**
 * One batch of jobs through the whole system: first submit over HTTP to the last job's {@code
 * finished_at} in PostgreSQL. Both clocks are this machine's, so the wall time is exact to the
 * database's microseconds; the polling interval only delays when the run is noticed to be over.
 * {@code submitting} is first submit to the last submit's answer: how much of the wall the client
 * spent handing the jobs over.
 */
record EndToEndRun(List<UUID> ids, Map<UUID, JobTable.Row> rows, Duration wall, Duration submitting, long unfinished) {

    /** How a run hands its jobs to the system: returns their ids in the same order. */
    @FunctionalInterface
    interface Submitter {
        List<UUID> submit(List<ObjectNode> jobs) throws Exception;
    }

    static EndToEndRun execute(JobApi api, JobTable table, List<ObjectNode> jobs, int batchSize, Duration timeout)
            throws Exception {
        return execute(submitted -> api.submit(submitted, batchSize), table, jobs, timeout);
    }

    static EndToEndRun execute(Submitter submitter, JobTable table, List<ObjectNode> jobs, Duration timeout)
            throws Exception {
        Instant firstSubmit = Instant.now();
        List<UUID> ids = submitter.submit(jobs);
        Duration submitting = Duration.between(firstSubmit, Instant.now());
        return awaitFinished(table, ids, firstSubmit, submitting, timeout);
    }

    /** Waits for jobs already submitted, the first at {@code firstSubmit}, and reads their rows. */
    static EndToEndRun awaitFinished(
            JobTable table, List<UUID> ids, Instant firstSubmit, Duration submitting, Duration timeout)
            throws SQLException, InterruptedException {
        long unfinished = table.awaitFinished(ids, timeout);
        Map<UUID, JobTable.Row> rows = table.rows(ids);
        Instant last = rows.values().stream()
                .map(JobTable.Row::finishedAt)
                .filter(Objects::nonNull)
                .max(Comparator.naturalOrder())
                .orElse(Instant.now());
        return new EndToEndRun(ids, rows, Duration.between(firstSubmit, last), submitting, unfinished);
    }

    double wallSeconds() {
        return wall.toNanos() / 1e9;
    }

    double submittingSeconds() {
        return submitting.toNanos() / 1e9;
    }

    long count(String status) {
        return rows.values().stream().filter(r -> r.status().equals(status)).count();
    }

    /** Jobs that needed more than one attempt: each one is a retry the figure paid for. */
    long retried() {
        return rows.values().stream().filter(r -> r.attempt() > 1).count();
    }

    /**
     * Where a job's time went, median over the succeeded jobs: committed → claimed by a worker
     * (the relay, the broker, the fetch, and queueing behind other jobs), claimed → run started (in
     * the worker's buffer), started → finished (the run and the outcome's commit).
     */
    String phases() {
        List<JobTable.Row> done = rows.values().stream()
                .filter(r -> r.status().equals("SUCCEEDED") && r.claimedAt() != null && r.startedAt() != null)
                .toList();
        if (done.isEmpty()) {
            return "phases: no succeeded job";
        }
        return String.format(
                Locale.ROOT,
                "phases (median per job): created→claimed %.1f ms, claimed→started %.1f ms,"
                        + " started→finished %.1f ms",
                medianMillis(done, JobTable.Row::createdAt, JobTable.Row::claimedAt),
                medianMillis(done, JobTable.Row::claimedAt, JobTable.Row::startedAt),
                medianMillis(done, JobTable.Row::startedAt, JobTable.Row::finishedAt));
    }

    private static double medianMillis(
            List<JobTable.Row> rows, Function<JobTable.Row, Instant> from, Function<JobTable.Row, Instant> to) {
        return Stats.median(rows.stream()
                .map(r -> Duration.between(from.apply(r), to.apply(r)).toNanos() / 1e6)
                .toList());
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
