package io.forkyard.worker.lease;

import io.forkyard.db.Jdbc;
import io.forkyard.worker.WorkerConfig;
import io.forkyard.worker.WorkerIdentity;
import io.forkyard.worker.complete.Completer;
import io.forkyard.worker.complete.Outcome;
import io.forkyard.worker.run.HeldJob;
import io.forkyard.worker.run.HeldJobs;
import io.forkyard.worker.run.JobMdc;
import io.forkyard.worker.run.JobRunners;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * One heartbeat for everything the worker holds (README "How it works", Lease keeper): every {@code heartbeat}
 * ONE statement ({@link Beat}) renews the leases of held jobs (running, buffered, or waiting for
 * their outcome write) once they are a third of their length old, writes run starts and progress,
 * publishes this worker's heartbeat, and answers which jobs were cancelled, which leases were lost,
 * and whether a worker of the same queues is idle.
 *
 * <p>What it does with the answer: a cancelled job that is running is stopped (its child killed),
 * one still buffered never starts and ends CANCELLED; a job whose lease is lost is stopped or
 * dropped without a write. When another worker is idle, buffered jobs are handed back to the queue,
 * so prefetch never keeps work from an idle worker for longer than one beat.
 *
 * <p>While the database is unreachable the beat fails and nothing is stopped: the jobs run on, and
 * the leases may still be ours when it is back.
 */
@ApplicationScoped
public class LeaseKeeper {

    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);

    @Inject
    DataSource dataSource;

    @Inject
    WorkerConfig config;

    @Inject
    WorkerIdentity identity;

    @Inject
    HeldJobs held;

    @Inject
    JobRunners runners;

    @Inject
    Completer completer;

    @Inject
    MeterRegistry registry;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lease-keeper");
        t.setDaemon(true);
        return t;
    });
    private Beat beat;
    private Counter handedBack;
    private volatile boolean peersIdle;
    /** Whether the last beat told the other workers this one is idle. */
    private volatile boolean reportedIdle;

    @PostConstruct
    void init() {
        beat = new Beat(
                identity.id(), config.queues(), config.lease(), config.lease().dividedBy(3), config.heartbeat());
        handedBack = Counter.builder("forkyard.worker.handed.back")
                .description("Buffered jobs handed back to the queue because another worker was idle")
                .register(registry);
    }

    public void start() {
        long every = config.heartbeat().toMillis();
        timer.scheduleWithFixedDelay(this::beatOnce, 0, every, TimeUnit.MILLISECONDS);
        runners.onIdle(this::becameIdle);
    }

    /**
     * The worker just became idle: tell the others now rather than at the next beat, so a worker
     * holding buffered jobs hands them over within its own next beat. At most one extra beat per
     * change from busy to idle.
     */
    private void becameIdle() {
        if (!reportedIdle) {
            reportedIdle = true;
            try {
                timer.execute(this::beatOnce);
            } catch (RejectedExecutionException stopping) {
                // the worker is shutting down
            }
        }
    }

    /** Whether, at the last beat, another worker of this worker's queues had an idle slot. */
    public boolean peersIdle() {
        return peersIdle;
    }

    /** One beat now. */
    private void beatOnce() {
        try {
            Collection<HeldJob> jobs = held.all();
            reportedIdle = runners.idle();
            Beat.Answer answer = Jdbc.autoCommit(
                    dataSource,
                    c -> beat.execute(c, jobs, runners.defaultSlots(), runners.defaultBusy(), runners.buffered()));
            for (HeldJob job : jobs) {
                if (answer.lost().contains(job.claim().id())) {
                    lost(job);
                } else if (answer.cancelled().contains(job.claim().id())) {
                    cancelled(job);
                }
            }
            peersIdle = answer.idlePeerSlots() > 0;
            if (peersIdle) {
                handBack();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("lease renewal failed; the jobs run on: %s", e.toString());
        }
    }

    private void lost(HeldJob job) {
        switch (job.state()) {
            case BUFFERED -> {
                if (runners.withdraw(job)) {
                    completer.forget(job);
                } else {
                    job.stop(HeldJob.StopReason.LEASE_LOST);
                }
            }
            case RUNNING -> {
                try (JobMdc mdc = JobMdc.of(job)) {
                    LOG.warnf("%s lost its lease; stopping it without writing anything", job);
                }
                job.stop(HeldJob.StopReason.LEASE_LOST);
            }
            default -> {
                // its outcome is being written (and will be refused, or just was committed)
            }
        }
    }

    private void cancelled(HeldJob job) {
        if (job.state() == HeldJob.State.BUFFERED && runners.withdraw(job)) {
            completer.complete(Outcome.cancelled(job));
        } else {
            job.stop(HeldJob.StopReason.CANCELLED);
        }
    }

    /**
     * Hands every buffered job back to the queue for idle workers to take: a buffered job is one no
     * slot here could take, so this worker is busy. Handing back fewer would leave the rest waiting
     * here while the idle worker runs the first and goes idle again.
     */
    private void handBack() {
        for (HeldJob job : runners.bufferedCpuJobs()) {
            if (runners.withdraw(job)) {
                try (JobMdc mdc = JobMdc.of(job)) {
                    LOG.debugf("%s handed back: another worker is idle", job);
                }
                handedBack.increment();
                completer.complete(Outcome.released(job));
            }
        }
    }

    /** Stops beating, after one last beat; removes this worker's heartbeat row. */
    public void stop() {
        timer.shutdown();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Jdbc.autoCommit(dataSource, beat::leave);
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("could not remove the heartbeat row: %s", e.toString());
        }
    }
}
