package io.forkyard.worker.run;

import io.opentelemetry.context.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One claimed attempt this worker holds, from claim to the commit of its outcome. It is BUFFERED
 * (claimed, waiting for a slot), then RUNNING, then COMPLETING (its outcome is queued for the
 * completer); or WITHDRAWN from the buffer before it ever started (cancelled, lease lost, handed
 * back). Every state change is a compare-and-set, so a slot taking a job and a cancel withdrawing
 * it can't both win.
 *
 * <p>Times the database should see are the claim's database time plus this JVM's monotonic clock
 * since, never this machine's wall clock.
 */
public final class HeldJob {

    /** Where the job is in this worker. */
    public enum State {
        BUFFERED,
        RUNNING,
        COMPLETING,
        WITHDRAWN
    }

    /** Why a running job must stop before it ends by itself. */
    public enum StopReason {
        /** Someone cancelled it: it ends CANCELLED. */
        CANCELLED,
        /** The lease is no longer ours: write nothing. */
        LEASE_LOST,
        /** The worker is shutting down: hand it back without spending the attempt. */
        SHUTDOWN
    }

    private final ClaimedJob claim;
    private final String pool;
    private final long claimedNanos = System.nanoTime();
    private final AtomicReference<State> state = new AtomicReference<>(State.BUFFERED);
    private final AtomicReference<StopReason> stopReason = new AtomicReference<>();
    private volatile long startedNanos;
    private volatile long endedNanos;
    private volatile Progress progress;
    /** The job's trace context here: its latest span (claim, then run); the root context when untraced. */
    private volatile Context trace = Context.root();
    /** When the lease was last renewed (or claimed), by this JVM's clock; what the beat reported. */
    private volatile long renewedNanos = claimedNanos;

    private volatile boolean startReported;
    private volatile Progress reportedProgress;

    /** A progress report of the running job. */
    public record Progress(int percent, String message) {}

    public HeldJob(ClaimedJob claim, String pool) {
        this.claim = claim;
        this.pool = pool;
    }

    /** Claim order, over the whole worker: a buffer takes higher priority first, then the older. */
    private static final java.util.concurrent.atomic.AtomicLong CLAIMS = new java.util.concurrent.atomic.AtomicLong();

    private final long order = CLAIMS.getAndIncrement();

    long order() {
        return order;
    }

    public ClaimedJob claim() {
        return claim;
    }

    /** The name of the runner (child pool, or I/O) this job runs on. */
    public String pool() {
        return pool;
    }

    public State state() {
        return state.get();
    }

    /** BUFFERED → RUNNING: a slot takes the job. False when it was withdrawn first. */
    boolean start() {
        if (!state.compareAndSet(State.BUFFERED, State.RUNNING)) {
            return false;
        }
        startedNanos = System.nanoTime();
        return true;
    }

    /** BUFFERED → WITHDRAWN: the job leaves the buffer without ever starting. */
    public boolean withdraw() {
        return state.compareAndSet(State.BUFFERED, State.WITHDRAWN);
    }

    /** RUNNING → COMPLETING: the outcome goes to the completer. */
    public void completing() {
        if (state.compareAndSet(State.RUNNING, State.COMPLETING)) {
            endedNanos = System.nanoTime();
        }
    }

    /** How long the run took, from its start to its outcome; null for a job that never ran. */
    public Duration runTime() {
        long started = startedNanos;
        long ended = endedNanos;
        return started == 0 || ended == 0 ? null : Duration.ofNanos(ended - started);
    }

    /** The job's latest span in this worker, the parent of its next one ({@link JobTracing}). */
    public Context trace() {
        return trace;
    }

    void trace(Context context) {
        trace = context;
    }

    /** Asks a running job to stop; the first reason wins. */
    public void stop(StopReason reason) {
        stopReason.compareAndSet(null, reason);
    }

    public StopReason stopReason() {
        return stopReason.get();
    }

    /** When the run began, by the database's clock; null while the job has not started. */
    public Instant startedAt() {
        long started = startedNanos;
        return started == 0 ? null : claim.claimedAt().plusNanos(started - claimedNanos);
    }

    /** How long the job has waited since its claim (in the buffer, when it has not started). */
    public Duration heldFor() {
        return Duration.ofNanos(System.nanoTime() - claimedNanos);
    }

    void progress(int percent, String message) {
        progress = new Progress(Math.max(0, Math.min(100, percent)), message);
    }

    /** Whether the lease is older than {@code age}: time the lease keeper renewed it. */
    public boolean leaseOlderThan(Duration age) {
        return System.nanoTime() - renewedNanos >= age.toNanos();
    }

    /** The run start, while the lease keeper has not yet written it. */
    public Instant unreportedStart() {
        return startReported ? null : startedAt();
    }

    /** The latest progress, while it differs from what the lease keeper last wrote. */
    public Progress unreportedProgress() {
        Progress latest = progress;
        return latest == null || latest.equals(reportedProgress) ? null : latest;
    }

    /** A beat that began at {@code beatNanos} renewed the lease and wrote this start and progress. */
    public void renewed(long beatNanos, Instant start, Progress written) {
        renewedNanos = beatNanos;
        if (start != null) {
            startReported = true;
        }
        if (written != null) {
            reportedProgress = written;
        }
    }

    @Override
    public String toString() {
        return "Job(id=" + claim.id() + ", type=" + claim.type() + ", attempt=" + claim.attempt() + ")";
    }
}
