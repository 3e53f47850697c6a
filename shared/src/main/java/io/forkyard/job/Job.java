package io.forkyard.job;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Basic;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * One job: what to run, its state, progress and outcome. Its dispatch outbox entry is a row of its
 * own ({@code job_outbox}, written by a trigger whenever the job becomes QUEUED). Inserted by the web tier; every later state change goes through the
 * conditional statements of the workers, the outbox relay, the lease sweeper and the API commands
 * (each fenced by the state, and the lease token where it has one), never through setters on a managed
 * entity.
 */
@Entity
@Table(name = "job")
public class Job extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(nullable = false, length = 128)
    public String tenant;

    @Column(nullable = false, length = 64)
    public String type;

    @Column(nullable = false, length = 64)
    public String queue;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    public JobStatus status;

    /** The submitted input, as JSON text. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public String input;

    /** The result, as JSON text; null until the job succeeded. */
    @JdbcTypeCode(SqlTypes.JSON)
    public String result;

    /** Raw bytes of a binary result (an image job's PNG); loaded only when asked for. */
    @Basic(fetch = FetchType.LAZY)
    @Column(name = "result_bytes")
    public byte[] resultBytes;

    @Column(name = "result_content_type", length = 100)
    public String resultContentType;

    @Column(name = "error_code", length = 64)
    public String errorCode;

    @Column(name = "error_message", length = 4000)
    public String errorMessage;

    @Column(nullable = false)
    public int attempt;

    @Column(name = "max_attempts", nullable = false)
    public int maxAttempts;

    @Column(name = "timeout_seconds", nullable = false)
    public int timeoutSeconds;

    @Column(name = "lease_token")
    public UUID leaseToken;

    @Column(name = "lease_owner", length = 128)
    public String leaseOwner;

    @Column(name = "lease_expires_at")
    public Instant leaseExpiresAt;

    @Column(name = "cancel_requested", nullable = false)
    public boolean cancelRequested;

    /** The batch submit that made the job (README "Batches"); null for a job submitted alone. */
    @Column(name = "batch_id")
    public UUID batchId;

    /** 0 to 9, higher sooner (README "Priorities"). */
    @Column(name = "priority", nullable = false)
    public short priority;

    /** The schedule that made the job (README "Schedules"); null for a submitted job. */
    @Column(name = "schedule_id")
    public UUID scheduleId;

    /** The tick of {@link #scheduleId} the job was made for. */
    @Column(name = "scheduled_for")
    public Instant scheduledFor;

    @Column(name = "run_at", nullable = false)
    public Instant runAt;

    @Column(name = "progress_percent")
    public Integer progressPercent;

    @Column(name = "progress_message", length = 500)
    public String progressMessage;

    @Column(name = "idempotency_key")
    public String idempotencyKey;

    @Column(name = "request_hash", length = 64)
    public String requestHash;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Override
    public String toString() {
        return "Job(id=" + id + ", type=" + type + ")";
    }
}
