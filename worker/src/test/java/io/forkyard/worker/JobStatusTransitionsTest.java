package io.forkyard.worker;

import static io.forkyard.job.JobStatus.CANCELLED;
import static io.forkyard.job.JobStatus.FAILED;
import static io.forkyard.job.JobStatus.QUEUED;
import static io.forkyard.job.JobStatus.RUNNING;
import static io.forkyard.job.JobStatus.SUCCEEDED;
import static io.forkyard.testing.JobTransitions.Change.of;

import io.forkyard.job.FailureCode;
import io.forkyard.job.JobStatus;
import io.forkyard.messaging.Json;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.JobTransitions;
import io.forkyard.worker.complete.Outcome;
import io.forkyard.worker.complete.Outcomes;
import io.forkyard.worker.intake.Claims;
import io.forkyard.worker.run.ClaimedJob;
import io.forkyard.worker.run.HeldJob;
import io.forkyard.worker.run.TestJobs;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The worker's status-changing statements (the claim and the outcome write) against jobs in every
 * status: each change they make must be one {@link JobStatus} allows, and exactly the ones their
 * class declares in its {@code requireTransition} block. The web tier's statements have the same
 * test in web-frontend. The jobs are inserted without a record, so the running worker never sees
 * them.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class JobStatusTransitionsTest {

    private static final Duration NO_BACKOFF = Duration.ZERO;

    @Inject
    DataSource db;

    @Test
    void theClaimMovesOnlyDueUncancelledQueuedJobsToRunning() throws Exception {
        Map<UUID, JobStatus> before = new HashMap<>();
        for (JobStatus status : JobStatus.values()) {
            before.put(aJob(status, 0, false, UUID.randomUUID()), status);
            before.put(aJob(status, 0, true, UUID.randomUUID()), status); // cancel requested
            UUID notDue = aJob(status, 0, false, UUID.randomUUID());
            sql("UPDATE job SET run_at = now() + interval '1 hour' WHERE id = ?", notDue);
            before.put(notDue, status);
        }

        Claims.claim(db, "transitions", Duration.ofMinutes(1), before.keySet().toArray(UUID[]::new));

        JobTransitions.assertMadeExactly(
                "ClaimStatement",
                JobTransitions.changes(
                        before, JobTransitions.statuses(ForkyardTestResource.database(), before.keySet())),
                of(QUEUED, RUNNING));
    }

    /**
     * Every kind of outcome, fenced by the token each job carries, against a job in every status:
     * only the RUNNING ones may change, to what the outcome says.
     */
    @Test
    void anOutcomeMovesOnlyARunningJobAndOnlyToAnEnd() throws Exception {
        Map<UUID, JobStatus> before = new HashMap<>();
        List<Outcome> outcomes = new ArrayList<>();
        List<Function<HeldJob, Outcome>> kinds = List.of(
                job -> Outcome.succeeded(job, Json.MAPPER.createObjectNode()),
                job -> Outcome.failed(job, FailureCode.CHILD_CRASHED, "retried", true),
                job -> Outcome.failed(job, FailureCode.INVALID_INPUT, "final", false),
                Outcome::cancelled,
                Outcome::released);
        for (JobStatus status : JobStatus.values()) {
            for (Function<HeldJob, Outcome> kind : kinds) {
                UUID token = UUID.randomUUID();
                UUID id = aJob(status, 1, false, token);
                before.put(id, status);
                ClaimedJob claim =
                        new ClaimedJob(id, "noop", "{}", 1, 3, 30, token, Instant.now(), Instant.now(), 0, false);
                outcomes.add(kind.apply(TestJobs.running(claim, 0, null)));
            }
        }

        Outcomes.write(db, NO_BACKOFF, NO_BACKOFF, outcomes.toArray(Outcome[]::new));

        JobTransitions.assertMadeExactly(
                "OutcomeStatement",
                JobTransitions.changes(
                        before, JobTransitions.statuses(ForkyardTestResource.database(), before.keySet())),
                of(RUNNING, SUCCEEDED),
                of(RUNNING, FAILED),
                of(RUNNING, CANCELLED),
                of(RUNNING, QUEUED));
    }

    /**
     * A job in {@code status} at attempt {@code attempt} of 3, due now, carrying lease token {@code
     * token} whatever its status (so only the statements' own status checks keep them off it).
     */
    private UUID aJob(JobStatus status, int attempt, boolean cancelRequested, UUID token) throws Exception {
        UUID id = UUID.randomUUID();
        sql(
                "INSERT INTO job (id, type, queue, status, input, attempt, max_attempts, timeout_seconds,"
                        + " cancel_requested, lease_token, lease_owner, lease_expires_at, finished_at)"
                        + " VALUES (?, 'noop', 'transitions', ?, '{}'::jsonb, ?, 3, 30, ?, ?, 'transitions',"
                        + " now() + interval '1 minute', CASE WHEN ? THEN now() END)",
                id,
                status.name(),
                attempt,
                cancelRequested,
                token,
                status.isFinal());
        return id;
    }

    private void sql(String sql, Object... params) throws Exception {
        ForkyardTestResource.database().update(sql, params);
    }
}
