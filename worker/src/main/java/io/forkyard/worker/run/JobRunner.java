package io.forkyard.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.JobRepository;
import io.forkyard.job.JobRepository.ClaimedJob;
import io.forkyard.job.JobRepository.LeaseState;
import io.forkyard.jobtype.JobType;
import io.forkyard.jobtype.JobTypeCatalogue;
import io.forkyard.messaging.Json;
import io.forkyard.worker.WorkerConfig;
import io.forkyard.worker.WorkerIdentity;
import io.forkyard.worker.pool.ChildOutcome;
import io.forkyard.worker.pool.ChildPool;
import io.forkyard.worker.pool.ExternalPools;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs the job a record names, from claim to final write: the ONE catch boundary of a unit of
 * work in the worker. Claims with a conditional UPDATE, renews the lease on a heartbeat (which
 * also notices a cancel or a lost lease), runs CPU jobs in a child of the pool and I/O jobs on the
 * calling thread, and writes the outcome with a conditional UPDATE that checks the lease. Any
 * failure becomes an {@code error.code} on the job or, when even that can't be written, a record
 * released back to the broker.
 */
@ApplicationScoped
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);
    private static final Duration SLOT_CHECK = Duration.ofMillis(200);

    @Inject
    JobRepository jobs;

    @Inject
    ChildPool pool;

    @Inject
    ExternalPools externalPools;

    @Inject
    WorkerConfig config;

    @Inject
    WorkerIdentity identity;

    @Inject
    MeterRegistry registry;

    @Inject
    OutcomeWriter outcomes;

    private final Map<UUID, RunningJob> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lease-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService ioJobs = IoExecutor.create();
    private ExecPolicy execPolicy;
    private volatile boolean stopping;
    private JobTypeCatalogue catalogue;
    private Semaphore ioPermits;
    private Counter skipped;

    @PostConstruct
    void init() {
        skipped = Counter.builder("forkyard.worker.records.skipped")
                .description("Records whose job was not claimable: finished, cancelled, not due or running elsewhere")
                .register(registry);
        execPolicy = new ExecPolicy(
                config.exec().allowedPrograms().orElse(List.of()),
                config.exec().allowOptions(),
                config.exec().maxOutputBytes());
        ioPermits = new Semaphore(config.ioConcurrency());
        catalogue = JobTypeCatalogue.instance().withExternal(externalPools.types());
        LOG.debugf("I/O jobs run on %s threads", IoExecutor.virtual() ? "virtual" : "platform");
    }

    /**
     * Processes the job a record names; never throws. CPU and process jobs run to their end here,
     * so the record stays held (and renewed) while they run. An I/O job runs on its own (virtual)
     * thread: the record is done once the claim is committed, because from then on the job's lease
     * protects it (an orphan is rescued when the lease expires).
     */
    public Disposition process(UUID jobId, String typeHint) {
        boolean io = catalogue
                .find(typeHint)
                .map(t -> t.nature() == JobType.Nature.IO)
                .orElse(false);
        if (io) {
            try {
                ioPermits.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Disposition.RELEASE;
            }
        }
        Optional<ClaimedJob> claimed = claimPatiently(jobId);
        if (claimed == null || claimed.isEmpty()) {
            if (io) {
                ioPermits.release();
            }
            if (claimed != null) {
                skipped.increment();
                LOG.debugf("Job(id=%s) is not claimable (finished, cancelled, not due or running elsewhere)", jobId);
            }
            return claimed == null ? Disposition.RELEASE : Disposition.ACCEPT;
        }
        RunningJob job = new RunningJob(claimed.get());
        if (io) {
            ioJobs.execute(() -> {
                try {
                    runToEnd(job);
                } finally {
                    ioPermits.release();
                }
            });
            return Disposition.ACCEPT;
        }
        return runToEnd(job);
    }

    /**
     * Claims, retrying with backoff while the database is unreachable: the record's lock is renewed
     * meanwhile, so it is neither redelivered nor spent against the broker's delivery limit.
     * Returns null only when the worker is stopping.
     */
    private Optional<ClaimedJob> claimPatiently(UUID jobId) {
        long pause = 200;
        while (!stopping) {
            try {
                return jobs.claim(jobId, identity.id(), config.lease());
            } catch (RuntimeException e) {
                LOG.warnf("Job(id=%s) could not be claimed, retrying in %d ms: %s", jobId, pause, e.toString());
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return null;
                }
                pause = Math.min(pause * 2, 5_000);
            }
        }
        return null;
    }

    /** No more claims: the worker is shutting down. */
    public void stopClaiming() {
        stopping = true;
    }

    private Disposition runToEnd(RunningJob job) {
        UUID jobId = job.claim.id();
        running.put(jobId, job);
        ScheduledFuture<?> heartbeat = heartbeats.scheduleWithFixedDelay(
                () -> renew(job),
                config.heartbeat().toMillis(),
                config.heartbeat().toMillis(),
                TimeUnit.MILLISECONDS);
        long started = System.nanoTime();
        ChildOutcome outcome;
        try {
            outcome = execute(job);
        } catch (Exception e) {
            LOG.errorf(e, "%s failed unexpectedly in the worker", job);
            outcome = new ChildOutcome.Failure("WORKER_ERROR", "the worker failed running the job: " + e, true);
        }
        Timer.builder("forkyard.job.duration")
                .description("Time from claim to outcome, by job type and outcome")
                .tag("type", job.claim.type())
                .tag("outcome", outcomeTag(outcome))
                .register(registry)
                .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        try {
            // The heartbeat keeps the lease while the outcome is written (which waits out a database outage).
            return outcomes.write(job, outcome);
        } finally {
            heartbeat.cancel(false);
            running.remove(jobId);
        }
    }

    /** Jobs running now. */
    public int runningCount() {
        return running.size();
    }

    /** Reason given to jobs stopped by a shutdown: they are handed back to the queue. */
    public static final String SHUTDOWN = RunningJob.SHUTDOWN;

    /** Asks every running job to stop for {@code reason}; they end through the usual path. */
    public void stopAll(String reason) {
        running.values().forEach(j -> j.stop(reason));
    }

    private ChildOutcome execute(RunningJob job) throws Exception {
        ClaimedJob claim = job.claim;
        JobType type = catalogue.find(claim.type()).orElse(null);
        if (type == null) {
            return new ChildOutcome.Failure(
                    "UNKNOWN_TYPE", "this worker has no job type '" + claim.type() + "'", false);
        }
        JsonNode input = Json.MAPPER.readTree(claim.input());
        Duration timeout = Duration.ofSeconds(claim.timeoutSeconds());
        return switch (type.nature()) {
            case CPU -> runInChild(externalPools.pool(claim.type()).orElse(pool), job, input, timeout);
            case PROCESS -> {
                ExecPolicy.Result allowed = execPolicy.apply(input);
                yield allowed.refusal() != null ? allowed.refusal() : runInChild(pool, job, allowed.request(), timeout);
            }
            case IO -> IoJobs.run(claim.type(), input, timeout, job::stopReason);
        };
    }

    private ChildOutcome runInChild(ChildPool from, RunningJob job, JsonNode input, Duration timeout)
            throws InterruptedException {
        ChildPool.Slot slot = borrow(from, job);
        if (slot == null) {
            String reason = job.stopReason();
            return reason != null ? new ChildOutcome.Stopped(reason) : noChild(from, job);
        }
        try {
            return slot.run(
                    job.claim.id() + ":" + job.claim.attempt(),
                    job.claim.type(),
                    input,
                    timeout,
                    new ProgressListener(jobs, job));
        } finally {
            from.release(slot);
        }
    }

    /** No child became free within {@code pool.slot-wait}: a retryable failure that says why. */
    private ChildOutcome noChild(ChildPool from, RunningJob job) {
        String message = "no child process was free within " + config.pool().slotWait() + " for type '"
                + job.claim.type() + "': " + from.alive() + " of " + from.size() + " children alive"
                + from.lastStartFailure()
                        .map(f -> "; the last start failed: " + f)
                        .orElse("");
        return new ChildOutcome.Failure("NO_CHILD", message, true);
    }

    /**
     * A child for the job, or null when the job was stopped (cancel, shutdown) or none became free
     * within {@code pool.slot-wait} (say, children that fail to start).
     */
    private ChildPool.Slot borrow(ChildPool from, RunningJob job) throws InterruptedException {
        long deadline = System.nanoTime() + config.pool().slotWait().toNanos();
        while (job.stopReason() == null && System.nanoTime() < deadline) {
            ChildPool.Slot slot = from.borrow(SLOT_CHECK);
            if (slot != null) {
                return slot;
            }
        }
        return null;
    }

    private void renew(RunningJob job) {
        try {
            LeaseState state = jobs.renewLease(job.claim.id(), job.claim.leaseToken(), config.lease());
            if (state == LeaseState.CANCEL_REQUESTED) {
                job.stop(RunningJob.CANCELLED);
            } else if (state == LeaseState.LOST) {
                LOG.warnf("%s lost its lease; stopping it without writing anything", job);
                job.stop(RunningJob.LEASE_LOST);
            }
        } catch (RuntimeException e) {
            // The database is unreachable: keep running; the lease may still be ours when it's back.
            LOG.debugf("%s lease renewal failed: %s", job, e.toString());
        }
    }

    private static String outcomeTag(ChildOutcome outcome) {
        if (outcome instanceof ChildOutcome.Success) {
            return "succeeded";
        }
        if (outcome instanceof ChildOutcome.Failure f) {
            return f.code();
        }
        return "stopped";
    }

    @PreDestroy
    void close() {
        heartbeats.shutdownNow();
        ioJobs.shutdownNow();
    }
}
