package io.forkyard.worker.complete;

import io.forkyard.db.Jdbc;
import io.forkyard.job.FailureCode;
import io.forkyard.retry.RetryPause;
import io.forkyard.worker.WorkerConfig;
import io.forkyard.worker.run.Completion;
import io.forkyard.worker.run.HeldJob;
import io.forkyard.worker.run.HeldJobs;
import io.forkyard.worker.run.JobMdc;
import io.forkyard.worker.run.JobTracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Group commit of outcomes (README "How it works", Complete). Slots hand their outcome over and take their
 * next job at once; one thread writes every outcome queued meanwhile with ONE statement ({@link
 * OutcomeStatement}), each row fenced by its lease token. When the system is idle a batch is one
 * outcome and nothing waits for a timer; under load a batch is many outcomes and costs one commit.
 * A job is finished for clients only once that commit is done.
 *
 * <p>Failures, by kind: while the database is unreachable the batch is retried (the lease keeper
 * keeps the leases meanwhile) for up to {@code outcome-write-patience}, after which the job is
 * given up and its expired lease lets another attempt run it. A statement the database refuses (a
 * NUL character in a result, say) must not sink the other outcomes of its batch: each is then
 * written alone, and one that is still refused fails its job with {@code OUTCOME_REJECTED}.
 */
@ApplicationScoped
public class Completer implements Completion {

    private static final Logger LOG = Logger.getLogger(Completer.class);

    @Inject
    DataSource dataSource;

    @Inject
    WorkerConfig config;

    @Inject
    HeldJobs held;

    @Inject
    MeterRegistry registry;

    @Inject
    JobTracing tracing;

    private final LinkedBlockingQueue<Queued> queue = new LinkedBlockingQueue<>();
    /** Handed over and neither committed nor given up: queued, or in the batch being written. */
    private final AtomicInteger unwritten = new AtomicInteger();

    private OutcomeStatement statement;
    private DistributionSummary batchSizes;
    private Counter staleWrites;
    private volatile Thread thread;
    private volatile boolean running;

    /** An outcome, when it was handed over (for the patience limit), and its span. */
    private record Queued(Outcome outcome, long since, Span span) {}

    @PostConstruct
    void init() {
        statement = new OutcomeStatement(config.backoffBase(), config.backoffCap());
        batchSizes = DistributionSummary.builder("forkyard.worker.outcome.batch")
                .description("Outcomes written per group commit")
                .register(registry);
        staleWrites = Counter.builder("forkyard.worker.stale.writes")
                .description("Outcomes refused because the lease was no longer this worker's")
                .register(registry);
    }

    public void start() {
        running = true;
        Thread t = new Thread(this::loop, "completer");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    @Override
    public void complete(Outcome outcome) {
        outcome.job().completing();
        unwritten.incrementAndGet();
        queue.add(new Queued(outcome, System.nanoTime(), tracing.outcome(outcome.job(), outcome.tag())));
    }

    @Override
    public void forget(HeldJob job) {
        try (JobMdc mdc = JobMdc.of(job)) {
            LOG.infof("%s dropped: its lease is no longer ours; nothing written", job);
        }
        held.remove(job);
    }

    /** Outcomes handed over and not yet committed (or given up). */
    public int pending() {
        return unwritten.get();
    }

    /** Writes what is queued, then stops; waits at most {@code timeout}. */
    public void stop(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (unwritten.get() > 0 && System.nanoTime() < deadline) {
            RetryPause.sleep(Duration.ofMillis(20));
        }
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (unwritten.get() > 0) {
            LOG.warnf("%d outcome(s) not written at shutdown; their leases will expire", unwritten.get());
        }
    }

    private void loop() {
        List<Queued> batch = new ArrayList<>();
        RetryPause pause = new RetryPause(Duration.ofMillis(100), Duration.ofSeconds(2));
        while (running) {
            try {
                if (batch.isEmpty()) {
                    batch.add(queue.take());
                }
                queue.drainTo(batch, config.outcomeBatchSize() - batch.size());
                writeBatch(batch);
                batch.clear();
                pause.reset();
            } catch (InterruptedException e) {
                return;
            } catch (SQLException e) {
                if (Jdbc.worthRetrying(e)) {
                    LOG.debugf("writing %d outcome(s) failed, retrying: %s", batch.size(), e.toString());
                    giveUpAfterPatience(batch);
                    pause.pause();
                } else {
                    writeOneByOne(batch);
                    batch.clear();
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "the completer failed on %d outcome(s); writing them one by one", batch.size());
                writeOneByOne(batch);
                batch.clear();
            }
        }
    }

    private void writeBatch(List<Queued> batch) throws SQLException {
        List<Outcome> outcomes = batch.stream().map(Queued::outcome).toList();
        // A hand-back makes a job due again; the end of a limited queue's job frees a slot.
        boolean wakeRelay = outcomes.stream()
                .anyMatch(o ->
                        o.kind() == Outcome.Kind.RELEASED || o.job().claim().limited());
        Map<UUID, String> written = Jdbc.autoCommit(dataSource, c -> {
            Map<UUID, String> statuses = statement.execute(c, outcomes);
            if (wakeRelay) {
                OutcomeStatement.wakeOutboxRelay(c); // after the commit: the relay sees the rows
            }
            return statuses;
        });
        batchSizes.record(outcomes.size());
        batch.forEach(q -> committed(q, written.get(q.outcome().job().claim().id()), outcomes.size()));
    }

    /**
     * After a refused batch: each outcome alone, so one the database can't store fails only its own
     * job, with {@code OUTCOME_REJECTED}. An outcome that can't be written even then is given up.
     */
    private void writeOneByOne(List<Queued> batch) {
        for (Queued queued : batch) {
            Outcome outcome = queued.outcome();
            try {
                writeBatch(List.of(queued));
            } catch (SQLException refused) {
                if (Jdbc.worthRetrying(refused)) {
                    queue.add(queued); // the database went away meanwhile: back in the queue
                    continue;
                }
                try (JobMdc mdc = JobMdc.of(outcome.job())) {
                    LOG.warnf("%s: the database refused its outcome (%s): %s", outcome.job(), outcome.tag(), refused);
                }
                Outcome rejected = Outcome.failed(
                        outcome.job(),
                        FailureCode.OUTCOME_REJECTED,
                        "the job's outcome could not be stored: " + refused.getMessage(),
                        false);
                try {
                    writeBatch(List.of(new Queued(rejected, queued.since(), queued.span())));
                } catch (SQLException again) {
                    try (JobMdc mdc = JobMdc.of(outcome.job())) {
                        LOG.errorf(again, "%s: not even its failure could be stored; giving it up", outcome.job());
                    }
                    givenUp(queued);
                }
            }
        }
    }

    private void giveUpAfterPatience(List<Queued> batch) {
        long patience = config.outcomeWritePatience().toNanos();
        batch.removeIf(q -> {
            if (System.nanoTime() - q.since() < patience) {
                return false;
            }
            try (JobMdc mdc = JobMdc.of(q.outcome().job())) {
                LOG.warnf(
                        "%s: its outcome (%s) could not be written within %s; giving it up to its expiring lease",
                        q.outcome().job(), q.outcome().tag(), config.outcomeWritePatience());
            }
            givenUp(q);
            return true;
        });
    }

    /** The meters of a written outcome (Micrometer finds a registered meter by name and tags). */
    private void measure(HeldJob job, Outcome outcome) {
        String type = job.claim().type();
        Counter.builder("forkyard.jobs.finished")
                .description(
                        "Outcomes written, by job type and outcome (SUCCEEDED, CANCELLED, RELEASED or the failure code)")
                .tag("type", type)
                .tag("outcome", outcome.tag())
                .register(registry)
                .increment();
        Instant now = Instant.now();
        Timer.builder("forkyard.job.latency")
                .description("Time from a job's submit to the commit of this outcome, by job type and outcome")
                .tag("type", type)
                .tag("outcome", outcome.tag())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(5))
                .maximumExpectedValue(Duration.ofHours(1))
                .register(registry)
                .record(Duration.between(job.claim().createdAt(), now));
        Instant started = job.startedAt();
        if (started != null) {
            Timer.builder("forkyard.job.claim.to.start")
                    .description("Time from a job's claim to the start of its run (slot wait), by job type")
                    .tag("type", type)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofMinutes(5))
                    .register(registry)
                    .record(Duration.between(job.claim().claimedAt(), started));
        }
    }

    private void givenUp(Queued queued) {
        held.remove(queued.outcome().job());
        unwritten.decrementAndGet();
        queued.span().setStatus(StatusCode.ERROR, "given up: not written").end();
    }

    /**
     * After the commit: the job is no longer held; metrics and logs. (A job that failed for good
     * got its dead letter in the same commit, from the {@code job_dead_letter} trigger.)
     */
    private void committed(Queued queued, String status, int batchSize) {
        Outcome outcome = queued.outcome();
        HeldJob job = outcome.job();
        held.remove(job);
        unwritten.decrementAndGet();
        Span span = queued.span()
                .setAttribute("forkyard.outcome", outcome.tag())
                .setAttribute("forkyard.outcome.batch", batchSize);
        if (status == null) {
            span.setStatus(StatusCode.ERROR, "the lease was no longer this worker's: not written");
        } else {
            span.setAttribute("forkyard.job.status", status);
        }
        span.end();
        Duration ran = job.runTime();
        if (ran != null) {
            Timer.builder("forkyard.job.duration")
                    .description("Time from a job's start to its outcome, by job type and outcome")
                    .tag("type", job.claim().type())
                    .tag("outcome", outcome.tag())
                    .register(registry)
                    .record(ran.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (status == null) {
            staleWrites.increment();
        } else {
            measure(job, outcome);
        }
        try (JobMdc mdc = JobMdc.of(job)) {
            if (status == null) {
                LOG.infof("%s: its lease was gone; the outcome (%s) was not written", job, outcome.tag());
            } else if (outcome.kind() == Outcome.Kind.FAILED) {
                LOG.infof("%s failed with %s (now %s): %s", job, outcome.code(), status, outcome.message());
            } else {
                LOG.debugf("%s: %s", job, outcome.tag());
            }
        }
    }
}
