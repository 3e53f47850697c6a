package io.forkyard.web.job;

import io.forkyard.db.Jdbc;
import io.forkyard.db.StoreException;
import io.forkyard.job.JobStatus;
import io.forkyard.trace.TraceParent;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * What the API changes in the job table, each with ONE statement: insert submitted jobs (a batch
 * in one statement, all or none), cancel, and re-queue (one job, or many at once for a bulk action). An inserted job gets its outbox
 * entry from a trigger ({@code job_outbox}) and keeps the submit request's trace context ({@code
 * trace_parent}, README "Tracing"); the caller wakes the outbox relay after the commit.
 */
@ApplicationScoped
public class JobCommands {

    static {
        JobStatus.requireTransition(JobStatus.QUEUED, JobStatus.CANCELLED);
        JobStatus.requireTransition(JobStatus.FAILED, JobStatus.QUEUED);
        JobStatus.requireTransition(JobStatus.CANCELLED, JobStatus.QUEUED);
    }

    /** A validated job to insert as QUEUED and due for dispatch at its run-at. */
    public record NewJob(
            UUID id,
            String type,
            String queue,
            String inputJson,
            int maxAttempts,
            int timeoutSeconds,
            Instant runAt,
            String idempotencyKey,
            String requestHash,
            int priority,
            String callbackUrl) {

        /** The same job, submitted with an idempotency key and the hash of its request body. */
        public NewJob withIdempotencyKey(String key, String hash) {
            return new NewJob(
                    id, type, queue, inputJson, maxAttempts, timeoutSeconds, runAt, key, hash, priority, callbackUrl);
        }
    }

    /** What the insert stored for a job: the database's times. */
    public record Inserted(Instant createdAt, Instant runAt) {}

    /** A job to insert, the tenant it is for and the submit request's trace context (may be null). */
    public record Submitted(String tenant, NewJob job, String traceParent) {

        /** The job for the tenant, with the calling thread's trace context. */
        public static Submitted now(String tenant, NewJob job) {
            return new Submitted(tenant, job, TraceParent.of(Context.current()));
        }
    }

    static final String INSERT = """
            INSERT INTO job (id, tenant, type, queue, status, input, attempt, max_attempts, timeout_seconds,
                             run_at, idempotency_key, request_hash, trace_parent, batch_id, callback_url, priority)
            SELECT n.id, n.tenant, n.type, n.queue, 'QUEUED', n.input::jsonb, 0, n.max_attempts, n.timeout_seconds,
                   coalesce(n.run_at, now()), n.key, n.hash, n.trace_parent, ?::uuid, n.callback_url, n.priority
              FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::integer[], ?::integer[],
                          ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::smallint[])
                   AS n(id, tenant, type, queue, input, max_attempts, timeout_seconds, run_at, key, hash, trace_parent,
                        callback_url, priority)
            ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id, created_at, run_at
            """;

    static final String BATCH_CALLBACK = "INSERT INTO batch_callback (batch_id, tenant, url) VALUES (?, ?, ?)";

    static final String EXISTING_BY_KEY = "SELECT id, request_hash FROM job WHERE tenant = ? AND idempotency_key = ?";

    /**
     * QUEUED → CANCELLED at once; RUNNING → cancel requested, its worker stops it. Set-based: one job
     * (the single verb) or a chunk of a bulk action; the rows are locked in id order, so two bulk
     * actions over the same jobs can't deadlock each other. Answers each found job's status before.
     */
    static final String CANCEL = """
            WITH before AS (SELECT id, status FROM job WHERE id = ANY(?::uuid[]) AND tenant = ? ORDER BY id FOR UPDATE),
            queued AS (
                UPDATE job SET status = 'CANCELLED', cancel_requested = true,
                       error_code = 'CANCELLED',
                       error_message = 'cancelled before it started', finished_at = now(), updated_at = now()
                 WHERE id IN (SELECT id FROM before WHERE status = 'QUEUED')),
            running AS (
                UPDATE job SET cancel_requested = true, updated_at = now()
                 WHERE id IN (SELECT id FROM before WHERE status = 'RUNNING'))
            SELECT id, status FROM before
            """;

    /**
     * FAILED | CANCELLED → QUEUED with fresh attempts, published again at once. Set-based like
     * {@link #CANCEL}.
     */
    static final String REQUEUE = """
            WITH before AS (SELECT id, status FROM job WHERE id = ANY(?::uuid[]) AND tenant = ? ORDER BY id FOR UPDATE),
            again AS (
                UPDATE job SET status = 'QUEUED', attempt = 0, run_at = now(),
                       cancel_requested = false, result = NULL, result_bytes = NULL, result_content_type = NULL,
                       error_code = NULL, error_message = NULL, progress_percent = NULL, progress_message = NULL,
                       started_at = NULL, finished_at = NULL, updated_at = now()
                 WHERE id IN (SELECT id FROM before WHERE status IN ('FAILED', 'CANCELLED')))
            SELECT id, status FROM before
            """;

    @Inject
    DataSource dataSource;

    /**
     * Inserts the jobs in ONE statement, hence one transaction: all or none. A job whose
     * idempotency key the tenant already used is not inserted and is absent from the answer.
     */
    public Map<UUID, Inserted> insert(String tenant, List<NewJob> jobs) {
        return insert(tenant, jobs, null);
    }

    /** As {@link #insert(String, List)}, every job of batch {@code batchId} (null: none). */
    public Map<UUID, Inserted> insert(String tenant, List<NewJob> jobs, UUID batchId) {
        return insert(tenant, jobs, batchId, null);
    }

    /**
     * As {@link #insert(String, List, UUID)}; with {@code batchCallbackUrl}, the batch's callback is
     * stored in the same transaction (README "Callbacks").
     */
    public Map<UUID, Inserted> insert(String tenant, List<NewJob> jobs, UUID batchId, String batchCallbackUrl) {
        String traceParent = TraceParent.of(Context.current()); // the submit request's span, if traced
        List<Submitted> submitted =
                jobs.stream().map(j -> new Submitted(tenant, j, traceParent)).toList();
        if (batchCallbackUrl == null) {
            return run(c -> insert(c, submitted, batchId));
        }
        try {
            return Jdbc.inTransaction(dataSource, c -> {
                try (PreparedStatement s = c.prepareStatement(BATCH_CALLBACK)) {
                    s.setObject(1, batchId);
                    s.setString(2, tenant);
                    s.setString(3, batchCallbackUrl);
                    s.executeUpdate();
                }
                return insert(c, submitted, batchId);
            });
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /**
     * Inserts jobs of any tenants in ONE statement, committed when it returns (single submits made
     * at once; see {@link SubmitGroup}). Absent from the answer: a job whose key was used.
     */
    public Map<UUID, Inserted> insert(List<Submitted> jobs) {
        return run(c -> insert(c, jobs, null));
    }

    private static Map<UUID, Inserted> insert(Connection c, List<Submitted> jobs, UUID batchId) throws SQLException {
        int n = jobs.size();
        Object[] ids = new Object[n];
        String[] tenants = new String[n];
        String[] types = new String[n];
        String[] queues = new String[n];
        String[] inputs = new String[n];
        Integer[] attempts = new Integer[n];
        Integer[] timeouts = new Integer[n];
        String[] runAts = new String[n];
        String[] keys = new String[n];
        String[] hashes = new String[n];
        String[] traces = new String[n];
        String[] callbacks = new String[n];
        Short[] priorities = new Short[n];
        for (int i = 0; i < n; i++) {
            NewJob job = jobs.get(i).job();
            ids[i] = job.id();
            tenants[i] = jobs.get(i).tenant();
            types[i] = job.type();
            queues[i] = job.queue();
            inputs[i] = job.inputJson();
            attempts[i] = job.maxAttempts();
            timeouts[i] = job.timeoutSeconds();
            runAts[i] = job.runAt() == null ? null : job.runAt().toString();
            keys[i] = job.idempotencyKey();
            hashes[i] = job.requestHash();
            traces[i] = jobs.get(i).traceParent();
            callbacks[i] = job.callbackUrl();
            priorities[i] = (short) job.priority();
        }
        try (PreparedStatement s = c.prepareStatement(INSERT)) {
            s.setObject(1, batchId);
            s.setArray(2, c.createArrayOf("uuid", ids));
            s.setArray(3, c.createArrayOf("text", tenants));
            s.setArray(4, c.createArrayOf("text", types));
            s.setArray(5, c.createArrayOf("text", queues));
            s.setArray(6, c.createArrayOf("text", inputs));
            s.setArray(7, c.createArrayOf("integer", attempts));
            s.setArray(8, c.createArrayOf("integer", timeouts));
            s.setArray(9, c.createArrayOf("text", runAts));
            s.setArray(10, c.createArrayOf("text", keys));
            s.setArray(11, c.createArrayOf("text", hashes));
            s.setArray(12, c.createArrayOf("text", traces));
            s.setArray(13, c.createArrayOf("text", callbacks));
            s.setArray(14, c.createArrayOf("smallint", priorities));
            Map<UUID, Inserted> inserted = new HashMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    inserted.put(
                            rs.getObject(1, UUID.class),
                            new Inserted(Jdbc.instant(rs.getTimestamp(2)), Jdbc.instant(rs.getTimestamp(3))));
                }
            }
            return inserted;
        }
    }

    /** The job that already holds a tenant's idempotency key, and the hash of its request body. */
    public record Existing(UUID id, String requestHash) {}

    public Optional<Existing> existing(String tenant, String idempotencyKey) {
        return run(c -> {
            try (PreparedStatement s = c.prepareStatement(EXISTING_BY_KEY)) {
                s.setString(1, tenant);
                s.setString(2, idempotencyKey);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new Existing(rs.getObject(1, UUID.class), rs.getString(2)))
                            : Optional.empty();
                }
            }
        });
    }

    /** Cancels a tenant's job; returns the status it had, or empty when there is no such job. */
    public Optional<JobStatus> requestCancel(UUID id, String tenant) {
        return Optional.ofNullable(requestCancel(List.of(id), tenant).get(id));
    }

    /** Re-queues a tenant's FAILED or CANCELLED job; returns the status it had, or empty. */
    public Optional<JobStatus> requeue(UUID id, String tenant) {
        return Optional.ofNullable(requeue(List.of(id), tenant).get(id));
    }

    /**
     * Cancels those of the jobs that are the tenant's, in one statement (one transaction); returns
     * the status each found job had before. Ids of no job of the tenant are absent from the answer.
     */
    public Map<UUID, JobStatus> requestCancel(List<UUID> ids, String tenant) {
        return statusBefore(CANCEL, ids, tenant);
    }

    /** Re-queues those of the jobs that are the tenant's and FAILED or CANCELLED, in one statement. */
    public Map<UUID, JobStatus> requeue(List<UUID> ids, String tenant) {
        return statusBefore(REQUEUE, ids, tenant);
    }

    /** Runs one auto-committed statement; a failure is a {@link StoreException} (503 when unreachable). */
    private <T> T run(Jdbc.Work<T> work) {
        try {
            return Jdbc.autoCommit(dataSource, work);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private Map<UUID, JobStatus> statusBefore(String sql, List<UUID> ids, String tenant) {
        return run(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setArray(1, c.createArrayOf("uuid", ids.toArray()));
                s.setString(2, tenant);
                Map<UUID, JobStatus> before = new HashMap<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        before.put(rs.getObject(1, UUID.class), JobStatus.valueOf(rs.getString(2)));
                    }
                }
                return before;
            }
        });
    }
}
