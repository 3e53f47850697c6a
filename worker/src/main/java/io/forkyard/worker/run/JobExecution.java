package io.forkyard.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;
import io.forkyard.jobtype.JobType;
import io.forkyard.jobtype.JobTypeCatalogue;
import io.forkyard.messaging.Json;
import io.forkyard.worker.pool.ChildListener;
import io.forkyard.worker.pool.ChildOutcome;
import io.forkyard.worker.pool.ChildPool;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Runs one started job to its outcome: the ONE catch boundary of a unit of work in the worker.
 * CPU jobs and {@code exec} programs run in a child of the job's pool, I/O jobs on the calling
 * thread; whatever goes wrong becomes a {@link ChildOutcome.Failure} with a code, never an
 * exception.
 */
final class JobExecution {

    private static final Logger LOG = Logger.getLogger(JobExecution.class);
    private static final Duration SLOT_CHECK = Duration.ofMillis(200);

    private final JobTypeCatalogue catalogue;
    private final ExecPolicy execPolicy;
    private final Duration slotWait;
    private final JobTracing tracing;

    JobExecution(JobTypeCatalogue catalogue, ExecPolicy execPolicy, Duration slotWait, JobTracing tracing) {
        this.catalogue = catalogue;
        this.execPolicy = execPolicy;
        this.slotWait = slotWait;
        this.tracing = tracing;
    }

    /** Runs the job; {@code pool} is the child pool of its runner (null for I/O jobs). */
    ChildOutcome run(HeldJob job, ChildPool pool) {
        Span span = tracing.run(job);
        try (JobMdc mdc = JobMdc.of(job);
                Scope scope = span.makeCurrent()) {
            ChildOutcome outcome;
            try {
                outcome = execute(job, pool);
            } catch (Exception e) {
                LOG.errorf(e, "%s failed unexpectedly in the worker", job);
                outcome = ChildOutcome.Failure.of(FailureCode.WORKER_ERROR, "the worker failed running the job: " + e);
            }
            JobTracing.ran(span, outcome);
            return outcome;
        }
    }

    private ChildOutcome execute(HeldJob job, ChildPool pool) throws Exception {
        ClaimedJob claim = job.claim();
        JobType type = catalogue.find(claim.type()).orElse(null);
        if (type == null) {
            return ChildOutcome.Failure.of(
                    FailureCode.UNKNOWN_TYPE, "this worker has no job type '" + claim.type() + "'");
        }
        JsonNode input = Json.MAPPER.readTree(claim.input());
        Duration timeout = Duration.ofSeconds(claim.timeoutSeconds());
        return switch (type.nature()) {
            case CPU -> inChild(pool, job, input, timeout);
            case PROCESS -> {
                ExecPolicy.Result allowed = execPolicy.apply(input);
                yield allowed.refusal() != null ? allowed.refusal() : inChild(pool, job, allowed.request(), timeout);
            }
            case IO -> IoJobs.run(claim.type(), input, timeout, () -> job.stopReason() != null);
        };
    }

    private ChildOutcome inChild(ChildPool pool, HeldJob job, JsonNode input, Duration timeout)
            throws InterruptedException {
        ChildPool.Slot slot = borrow(pool, job);
        if (slot == null) {
            return job.stopReason() != null ? new ChildOutcome.Stopped() : noChild(pool, job);
        }
        try {
            return slot.run(
                    job.claim().id() + ":" + job.claim().attempt(),
                    job.claim().type(),
                    input,
                    timeout,
                    new ChildListener() {
                        @Override
                        public void progress(int percent, String message) {
                            job.progress(percent, message);
                        }

                        @Override
                        public boolean stopRequested() {
                            return job.stopReason() != null;
                        }
                    });
        } finally {
            pool.release(slot);
        }
    }

    /**
     * A child for the job, or null when the job was stopped (cancel, shutdown) or none became free
     * within {@code pool.slot-wait} (its child died and the new one does not start).
     */
    private ChildPool.Slot borrow(ChildPool pool, HeldJob job) throws InterruptedException {
        long deadline = System.nanoTime() + slotWait.toNanos();
        while (job.stopReason() == null && System.nanoTime() < deadline) {
            ChildPool.Slot slot = pool.borrow(SLOT_CHECK);
            if (slot != null) {
                return slot;
            }
        }
        return null;
    }

    /** No child became free within {@code pool.slot-wait}: a retryable failure that says why. */
    private ChildOutcome noChild(ChildPool pool, HeldJob job) {
        String message = "no child process was free within " + slotWait + " for type '"
                + job.claim().type() + "': " + pool.alive() + " of " + pool.size() + " children alive"
                + pool.lastStartFailure()
                        .map(f -> "; the last start failed: " + f)
                        .orElse("");
        return ChildOutcome.Failure.of(FailureCode.NO_CHILD, message);
    }
}
