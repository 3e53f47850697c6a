package io.forkyard.worker.run;

import io.forkyard.job.JobAttempts;
import io.forkyard.job.JobRepository;
import io.forkyard.job.JobRepository.Backoff;
import io.forkyard.job.JobRepository.FailOutcome;
import io.forkyard.worker.WorkerConfig;
import io.forkyard.worker.consume.DeadLetters;
import io.forkyard.worker.pool.ChildOutcome;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Writes how an attempt ended, with the lease-checked verbs of {@link JobRepository}. While the
 * database is unreachable it keeps retrying (the heartbeat keeps trying to renew the lease too), for
 * up to {@code forkyard.worker.outcome-write-patience}; after that the record is released and the
 * orphan rescue owns the job. A write that finds the lease gone changes nothing.
 */
@ApplicationScoped
public class OutcomeWriter {

    private static final Logger LOG = Logger.getLogger(OutcomeWriter.class);

    @Inject
    JobRepository jobs;

    @Inject
    WorkerConfig config;

    @Inject
    DeadLetters deadLetters;

    @Inject
    JobAttempts attempts;

    Disposition write(RunningJob job, ChildOutcome outcome) {
        long deadline = System.nanoTime() + config.outcomeWritePatience().toNanos();
        long pause = 100;
        while (true) {
            try {
                writeOnce(job, outcome);
                return Disposition.ACCEPT;
            } catch (RuntimeException e) {
                if (System.nanoTime() + pause * 1_000_000 > deadline) {
                    LOG.warnf("%s: could not record its outcome, releasing the record: %s", job, e.toString());
                    return Disposition.RELEASE;
                }
                LOG.debugf("%s: recording the outcome failed, retrying: %s", job, e.toString());
                sleep(pause);
                pause = Math.min(pause * 2, 2_000);
            }
        }
    }

    private void writeOnce(RunningJob job, ChildOutcome outcome) {
        var claim = job.claim;
        if (outcome instanceof ChildOutcome.Success s) {
            ResultParts parts = ResultParts.of(s.result());
            if (jobs.succeed(claim.id(), claim.leaseToken(), parts.json(), parts.bytes(), parts.contentType())) {
                LOG.debugf("%s succeeded", job);
            } else {
                LOG.infof("%s finished but its lease was gone; the result was not written", job);
                attempts.staleWriteRejected(claim.leaseToken());
            }
        } else if (outcome instanceof ChildOutcome.Failure f) {
            FailOutcome result = jobs.fail(
                    claim.id(),
                    claim.leaseToken(),
                    f.code(),
                    f.message(),
                    f.retryable(),
                    new Backoff(config.backoffBase(), config.backoffCap()));
            LOG.infof("%s failed with %s (%s): %s", job, f.code(), result, f.message());
            if (result == FailOutcome.STALE) {
                attempts.staleWriteRejected(claim.leaseToken());
            }
            if (result == FailOutcome.FAILED) {
                deadLetters.jobFailed(claim.id(), claim.type(), f.code(), f.message());
            }
        } else if (outcome instanceof ChildOutcome.Stopped s) {
            switch (s.reason()) {
                case RunningJob.CANCELLED -> jobs.markCancelled(claim.id(), claim.leaseToken());
                case RunningJob.SHUTDOWN -> jobs.release(claim.id(), claim.leaseToken());
                default -> LOG.infof("%s stopped (%s); nothing written", job, s.reason());
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
