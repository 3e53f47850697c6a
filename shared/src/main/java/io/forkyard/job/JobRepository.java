package io.forkyard.job;

import static io.forkyard.job.JobStatus.CANCELLED;
import static io.forkyard.job.JobStatus.FAILED;
import static io.forkyard.job.JobStatus.QUEUED;
import static io.forkyard.job.JobStatus.RUNNING;
import static io.forkyard.job.JobStatus.SUCCEEDED;
import static io.forkyard.job.JobStatus.requireTransition;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.hibernate.query.NativeQuery;

/**
 * The verbs that change a job's state. Each is ONE conditional UPDATE naming the state (and, for a
 * running job, the lease token) it expects, so a stale worker that lost its lease, or a second
 * delivery of the same record, changes nothing: the verb reports that instead of overwriting.
 *
 * <p>Times come from the database clock ({@code now()}), never from the caller, so workers with
 * skewed clocks still agree on leases and run-at times.
 */
@ApplicationScoped
public class JobRepository implements PanacheRepositoryBase<Job, UUID> {

    @Inject
    JobAttempts attempts;

    /** What a worker needs to run a job it has just claimed. */
    public record ClaimedJob(
            UUID id, String type, String input, int attempt, int maxAttempts, int timeoutSeconds, UUID leaseToken) {}

    /** Result of a lease renewal. */
    public enum LeaseState {
        /** Still ours, keep running. */
        HELD,
        /** Still ours, but someone asked to cancel: stop the job and call {@link #markCancelled}. */
        CANCEL_REQUESTED,
        /** Not ours any more (expired and rescued, or finished elsewhere): stop, write nothing. */
        LOST
    }

    /** Where a failed attempt left the job. */
    public enum FailOutcome {
        /** Queued again with a later run-at; the dispatcher re-publishes it then. */
        RETRY_SCHEDULED,
        /** Attempts used up or not retryable: terminal. */
        FAILED,
        /** The lease was no longer ours; nothing was written. */
        STALE
    }

    /** Backoff between attempts: {@code base × 2^(attempt−1)}, capped, with ±25 % jitter. */
    public record Backoff(Duration base, Duration cap) {}

    /** A job to insert as QUEUED and due for dispatch. */
    public record NewJob(
            UUID id,
            String tenant,
            String type,
            String queue,
            String inputJson,
            int maxAttempts,
            int timeoutSeconds,
            Instant runAt,
            String idempotencyKey,
            String requestHash) {}

    /**
     * Inserts a QUEUED job, due for dispatch at its run-at, in the caller's transaction. With an
     * idempotency key that the tenant already used, inserts nothing and returns the id of the
     * existing job instead (also under concurrent duplicates: the unique key decides).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public UUID insertQueued(NewJob job) {
        NativeQuery<?> insert = getEntityManager().createNativeQuery("""
                        INSERT INTO job (id, tenant, type, queue, status, input, attempt, max_attempts,
                                         timeout_seconds, run_at, idempotency_key, request_hash, dispatch_pending)
                        VALUES (:id, :tenant, :type, :queue, 'QUEUED', cast(:input AS jsonb), 0, :maxAttempts,
                                :timeoutSeconds, coalesce(:runAt, now()), :key, :hash, true)
                        ON CONFLICT (tenant, idempotency_key) DO NOTHING
                        RETURNING id
                        """).unwrap(NativeQuery.class);
        insert.setParameter("id", job.id())
                .setParameter("tenant", job.tenant())
                .setParameter("type", job.type())
                .setParameter("queue", job.queue())
                .setParameter("input", job.inputJson())
                .setParameter("maxAttempts", job.maxAttempts())
                .setParameter("timeoutSeconds", job.timeoutSeconds())
                .setParameter("runAt", job.runAt(), Instant.class)
                .setParameter("key", job.idempotencyKey(), String.class)
                .setParameter("hash", job.requestHash(), String.class);
        List<?> inserted = insert.getResultList();
        if (!inserted.isEmpty()) {
            return job.id();
        }
        return find("tenant = ?1 and idempotencyKey = ?2", job.tenant(), job.idempotencyKey())
                .firstResultOptional()
                .map(existing -> existing.id)
                .orElseThrow(() -> new IllegalStateException("idempotency conflict without a row"));
    }

    /** A tenant's jobs among {@code ids}, by id, in one query. */
    public Map<UUID, Job> findAllForTenant(List<UUID> ids, String tenant) {
        return find("id in ?1 and tenant = ?2", ids, tenant).stream()
                .collect(Collectors.toMap(job -> job.id, job -> job));
    }

    /** A tenant's job, or empty: another tenant's job is as unknown as a missing one. */
    public Optional<Job> findForTenant(UUID id, String tenant) {
        return find("id = ?1 and tenant = ?2", id, tenant).firstResultOptional();
    }

    /** Claims a queued, due, not-cancelled job for one attempt: QUEUED → RUNNING, attempt + 1. */
    @Transactional
    public Optional<ClaimedJob> claim(UUID id, String owner, Duration lease) {
        requireTransition(QUEUED, RUNNING);
        UUID token = UUID.randomUUID();
        @SuppressWarnings("unchecked")
        List<Object[]> rows = getEntityManager()
                .createNativeQuery("""
                        UPDATE job SET status = 'RUNNING', attempt = attempt + 1, lease_token = :token,
                               lease_owner = :owner, lease_expires_at = now() + :leaseMs * interval '1 millisecond',
                               started_at = coalesce(started_at, now()), progress_percent = NULL,
                               progress_message = NULL, updated_at = now()
                         WHERE id = :id AND status = 'QUEUED' AND NOT cancel_requested AND run_at <= now()
                        RETURNING type, input\\:\\:text, attempt, max_attempts, timeout_seconds
                        """)
                .setParameter("token", token)
                .setParameter("owner", owner)
                .setParameter("leaseMs", lease.toMillis())
                .setParameter("id", id)
                .getResultList();
        Optional<ClaimedJob> claimed = rows.stream()
                .findFirst()
                .map(r -> new ClaimedJob(
                        id,
                        (String) r[0],
                        (String) r[1],
                        ((Number) r[2]).intValue(),
                        ((Number) r[3]).intValue(),
                        ((Number) r[4]).intValue(),
                        token));
        claimed.ifPresent(c -> attempts.started(id, c.attempt(), token, owner));
        return claimed;
    }

    /** Extends a running job's lease; tells whether it is still ours and whether cancel was asked. */
    @Transactional
    public LeaseState renewLease(UUID id, UUID token, Duration lease) {
        @SuppressWarnings("unchecked")
        List<Object> rows = getEntityManager()
                .createNativeQuery("""
                        UPDATE job SET lease_expires_at = now() + :leaseMs * interval '1 millisecond'
                         WHERE id = :id AND status = 'RUNNING' AND lease_token = :token
                        RETURNING cancel_requested
                        """)
                .setParameter("leaseMs", lease.toMillis())
                .setParameter("id", id)
                .setParameter("token", token)
                .getResultList();
        if (rows.isEmpty()) {
            return LeaseState.LOST;
        }
        return Boolean.TRUE.equals(rows.get(0)) ? LeaseState.CANCEL_REQUESTED : LeaseState.HELD;
    }

    /** Records progress of a running attempt; ignored when the lease is no longer ours. */
    @Transactional
    public boolean progress(UUID id, UUID token, int percent, String message) {
        return getEntityManager()
                        .createNativeQuery("""
                                UPDATE job SET progress_percent = :percent, progress_message = :message, updated_at = now()
                                 WHERE id = :id AND status = 'RUNNING' AND lease_token = :token
                                """)
                        .setParameter("percent", Math.max(0, Math.min(100, percent)))
                        .setParameter("message", truncate(message, 500))
                        .setParameter("id", id)
                        .setParameter("token", token)
                        .executeUpdate()
                == 1;
    }

    /**
     * RUNNING → SUCCEEDED with the result, only while the lease is ours. {@code bytes} and {@code
     * contentType} hold a binary result (null for JSON-only results).
     */
    @Transactional
    public boolean succeed(UUID id, UUID token, String resultJson, byte[] bytes, String contentType) {
        requireTransition(RUNNING, SUCCEEDED);
        return updateHeldJob(
                """
                        UPDATE job SET status = 'SUCCEEDED', result = cast(:result AS jsonb), result_bytes = :bytes,
                               result_content_type = :contentType, error_code = NULL, error_message = NULL,
                               progress_percent = 100, progress_message = NULL, lease_token = NULL,
                               lease_expires_at = NULL, finished_at = now(), updated_at = now()
                         WHERE id = :id AND status = 'RUNNING' AND lease_token = :token
                        """,
                id,
                token,
                "SUCCEEDED",
                update -> update.setParameter("result", resultJson)
                        .setParameter("bytes", bytes, byte[].class)
                        .setParameter("contentType", contentType, String.class));
    }

    /**
     * Ends a failed attempt: RUNNING → QUEUED with a backed-off run-at when it is retryable and
     * attempts remain, else RUNNING → FAILED. Only while the lease is ours.
     */
    @Transactional
    public FailOutcome fail(UUID id, UUID token, String code, String message, boolean retryable, Backoff backoff) {
        requireTransition(RUNNING, QUEUED);
        requireTransition(RUNNING, FAILED);
        @SuppressWarnings("unchecked")
        List<Object> rows = getEntityManager()
                .createNativeQuery("""
                        UPDATE job SET
                               status = CASE WHEN :retryable AND attempt < max_attempts THEN 'QUEUED' ELSE 'FAILED' END,
                               dispatch_pending = (:retryable AND attempt < max_attempts),
                               run_at = CASE WHEN :retryable AND attempt < max_attempts
                                        THEN now() + least(:capMs, :baseMs * power(2, attempt - 1))
                                                     * (0.75 + random() / 2) * interval '1 millisecond'
                                        ELSE run_at END,
                               finished_at = CASE WHEN :retryable AND attempt < max_attempts THEN NULL ELSE now() END,
                               error_code = :code, error_message = :message, lease_token = NULL,
                               lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                         WHERE id = :id AND status = 'RUNNING' AND lease_token = :token
                        RETURNING status
                        """)
                .setParameter("retryable", retryable)
                .setParameter("capMs", backoff.cap().toMillis())
                .setParameter("baseMs", backoff.base().toMillis())
                .setParameter("code", code)
                .setParameter("message", truncate(message, 4000))
                .setParameter("id", id)
                .setParameter("token", token)
                .getResultList();
        if (rows.isEmpty()) {
            return FailOutcome.STALE;
        }
        attempts.ended(token, code);
        return QUEUED.name().equals(rows.get(0)) ? FailOutcome.RETRY_SCHEDULED : FailOutcome.FAILED;
    }

    /** RUNNING → CANCELLED after the worker stopped a job whose cancel was requested. */
    @Transactional
    public boolean markCancelled(UUID id, UUID token) {
        requireTransition(RUNNING, CANCELLED);
        return updateHeldJob("""
                                UPDATE job SET status = 'CANCELLED', error_code = 'CANCELLED',
                                       error_message = 'cancelled while running', lease_token = NULL,
                                       lease_expires_at = NULL, finished_at = now(), updated_at = now()
                                 WHERE id = :id AND status = 'RUNNING' AND lease_token = :token
                                """, id, token, "CANCELLED");
    }

    /**
     * RUNNING → QUEUED without spending the attempt: a worker shutting down hands back a job it
     * could not finish. The dispatcher publishes it again at once.
     */
    @Transactional
    public boolean release(UUID id, UUID token) {
        requireTransition(RUNNING, QUEUED);
        return updateHeldJob("""
                                UPDATE job SET status = 'QUEUED', attempt = attempt - 1, dispatch_pending = true,
                                       run_at = now(), lease_token = NULL, lease_owner = NULL,
                                       lease_expires_at = NULL, progress_percent = NULL, progress_message = NULL,
                                       updated_at = now()
                                 WHERE id = :id AND status = 'RUNNING' AND lease_token = :token
                                """, id, token, "RELEASED");
    }

    /**
     * Cancels a job for its tenant: QUEUED → CANCELLED at once; a RUNNING job gets {@code
     * cancel_requested}, and its worker stops it and marks it CANCELLED.
     *
     * @return the status the job had, or empty when there is no such job for the tenant
     */
    @Transactional
    public Optional<JobStatus> requestCancel(UUID id, String tenant) {
        requireTransition(QUEUED, CANCELLED);
        Optional<JobStatus> before = lockStatus(id, tenant);
        if (before.isEmpty()) {
            return before;
        }
        JobStatus status = before.get();
        if (status == QUEUED) {
            getEntityManager().createNativeQuery("""
                            UPDATE job SET status = 'CANCELLED', dispatch_pending = false, error_code = 'CANCELLED',
                                   error_message = 'cancelled before it started', finished_at = now(), updated_at = now()
                             WHERE id = :id AND status = 'QUEUED'
                            """).setParameter("id", id).executeUpdate();
        } else if (status == RUNNING) {
            getEntityManager()
                    .createNativeQuery(
                            "UPDATE job SET cancel_requested = true, updated_at = now() WHERE id = :id AND status = 'RUNNING'")
                    .setParameter("id", id)
                    .executeUpdate();
        }
        return Optional.of(status);
    }

    /** FAILED | CANCELLED → QUEUED with fresh attempts, published again at once. */
    @Transactional
    public Optional<JobStatus> requeue(UUID id, String tenant) {
        requireTransition(FAILED, QUEUED);
        requireTransition(CANCELLED, QUEUED);
        Optional<JobStatus> before = lockStatus(id, tenant);
        if (before.isEmpty()) {
            return before;
        }
        JobStatus status = before.get();
        if (status == FAILED || status == CANCELLED) {
            getEntityManager().createNativeQuery("""
                            UPDATE job SET status = 'QUEUED', attempt = 0, dispatch_pending = true, run_at = now(),
                                   cancel_requested = false, result = NULL, result_bytes = NULL,
                                   result_content_type = NULL, error_code = NULL, error_message = NULL,
                                   progress_percent = NULL, progress_message = NULL, started_at = NULL,
                                   finished_at = NULL, updated_at = now()
                             WHERE id = :id AND status IN ('FAILED', 'CANCELLED')
                            """).setParameter("id", id).executeUpdate();
        }
        return Optional.of(status);
    }

    /**
     * Rescues orphans: RUNNING jobs whose lease expired (their worker died or hung) go back to
     * QUEUED for another attempt, or to FAILED when attempts are used up, or to CANCELLED when a
     * cancel was asked. Returns the jobs it changed.
     */
    @Transactional
    public List<Rescued> rescueExpiredLeases(int limit) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = getEntityManager()
                .createNativeQuery("""
                        WITH expired AS (
                                SELECT id, lease_token FROM job WHERE status = 'RUNNING' AND lease_expires_at < now()
                                 ORDER BY lease_expires_at LIMIT :limit FOR UPDATE SKIP LOCKED),
                             closed AS (
                                UPDATE job_attempt SET outcome = 'LEASE_EXPIRED', ended_at = now()
                                 WHERE lease_token IN (SELECT lease_token FROM expired) AND outcome IS NULL)
                        UPDATE job SET
                               status = CASE WHEN cancel_requested THEN 'CANCELLED'
                                             WHEN attempt < max_attempts THEN 'QUEUED' ELSE 'FAILED' END,
                               dispatch_pending = (NOT cancel_requested AND attempt < max_attempts),
                               run_at = now(),
                               finished_at = CASE WHEN cancel_requested OR attempt >= max_attempts THEN now() END,
                               error_code = CASE WHEN cancel_requested THEN 'CANCELLED' ELSE 'LEASE_EXPIRED' END,
                               error_message = CASE WHEN cancel_requested THEN 'cancelled while running'
                                    ELSE 'the worker running attempt ' || attempt || ' stopped renewing its lease' END,
                               lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                         WHERE id IN (SELECT id FROM expired)
                        RETURNING id, type, status
                        """)
                .setParameter("limit", limit)
                .getResultList();
        return rows.stream()
                .map(r -> new Rescued((UUID) r[0], (String) r[1], JobStatus.valueOf((String) r[2])))
                .toList();
    }

    /** A job whose lease expired, and the status the rescue gave it. */
    public record Rescued(UUID id, String type, JobStatus status) {}

    /**
     * Retention: deletes up to {@code limit} jobs (with their attempt history) that finished more
     * than {@code age} ago, oldest first. Returns how many it deleted.
     */
    @Transactional
    public int pruneFinished(Duration age, int limit) {
        return getEntityManager()
                .createNativeQuery("""
                        DELETE FROM job WHERE id IN (
                            SELECT id FROM job WHERE finished_at < now() - :ageMs * interval '1 millisecond'
                             ORDER BY finished_at LIMIT :limit FOR UPDATE SKIP LOCKED)
                        """)
                .setParameter("ageMs", age.toMillis())
                .setParameter("limit", limit)
                .executeUpdate();
    }

    /**
     * Safety net for a record that was published but never led to a claim (archived by the broker
     * after too many deliveries, or lost with a broker's data): QUEUED jobs dispatched longer than
     * {@code after} ago are marked for dispatch again. A duplicate record is harmless.
     */
    @Transactional
    public int redispatchStale(Duration after, int limit) {
        return getEntityManager()
                .createNativeQuery("""
                        UPDATE job SET dispatch_pending = true, updated_at = now()
                         WHERE id IN (SELECT id FROM job
                                       WHERE status = 'QUEUED' AND NOT dispatch_pending
                                         AND dispatched_at < now() - :afterMs * interval '1 millisecond'
                                       LIMIT :limit FOR UPDATE SKIP LOCKED)
                        """)
                .setParameter("afterMs", after.toMillis())
                .setParameter("limit", limit)
                .executeUpdate();
    }

    /** A job the dispatcher is about to publish. */
    public record DueJob(UUID id, String type, String queue) {}

    /**
     * Locks up to {@code limit} QUEUED jobs that are due for dispatch, oldest run-at first, skipping
     * rows another dispatcher holds. Call inside the transaction that later marks them dispatched.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<DueJob> lockDueForDispatch(int limit) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = getEntityManager()
                .createNativeQuery("""
                        SELECT id, type, queue FROM job
                         WHERE dispatch_pending AND status = 'QUEUED' AND run_at <= now()
                         ORDER BY run_at LIMIT :limit FOR UPDATE SKIP LOCKED
                        """)
                .setParameter("limit", limit)
                .getResultList();
        return rows.stream()
                .map(r -> new DueJob((UUID) r[0], (String) r[1], (String) r[2]))
                .toList();
    }

    /** Records that these jobs reached the broker; the sweep stops publishing them. */
    @Transactional(Transactional.TxType.MANDATORY)
    public int markDispatched(List<UUID> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        return getEntityManager()
                .createNativeQuery(
                        "UPDATE job SET dispatch_pending = false, dispatched_at = now() WHERE id IN (:ids) AND dispatch_pending")
                .setParameter("ids", ids)
                .executeUpdate();
    }

    /**
     * Runs an UPDATE of a running job whose WHERE names {@code :id} and the lease {@code :token};
     * when it changed the row, closes the attempt with {@code outcome}. Returns whether it did.
     */
    private boolean updateHeldJob(String sql, UUID id, UUID token, String outcome) {
        return updateHeldJob(sql, id, token, outcome, update -> {});
    }

    /** As above, with more parameters set by {@code parameters}. */
    private boolean updateHeldJob(
            String sql, UUID id, UUID token, String outcome, Consumer<NativeQuery<?>> parameters) {
        NativeQuery<?> update = getEntityManager().createNativeQuery(sql).unwrap(NativeQuery.class);
        parameters.accept(update);
        boolean written =
                update.setParameter("id", id).setParameter("token", token).executeUpdate() == 1;
        if (written) {
            attempts.ended(token, outcome);
        }
        return written;
    }

    /** The tenant's job's status, with its row locked until the transaction ends. */
    private Optional<JobStatus> lockStatus(UUID id, String tenant) {
        @SuppressWarnings("unchecked")
        List<Object> rows = getEntityManager()
                .createNativeQuery("SELECT status FROM job WHERE id = :id AND tenant = :tenant FOR UPDATE")
                .setParameter("id", id)
                .setParameter("tenant", tenant)
                .getResultList();
        return rows.stream().findFirst().map(s -> JobStatus.valueOf((String) s));
    }

    private static String truncate(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        return s.substring(0, max - 1) + "…";
    }
}
