package io.forkyard.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.job.JobAttempts;
import io.forkyard.job.JobRepository;
import io.forkyard.job.JobRepository.Backoff;
import io.forkyard.job.JobRepository.ClaimedJob;
import io.forkyard.job.JobRepository.FailOutcome;
import io.forkyard.job.JobRepository.LeaseState;
import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The verbs' lease checks against the real database: a stale holder changes nothing. */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class LeaseTest {

    @Inject
    JobRepository jobs;

    @Inject
    JobAttempts attempts;

    @Test
    void staleWorkerCannotOverwriteTheAttemptThatReplacedIt() throws Exception {
        UUID id = insertQueuedJob("lease-queue");
        ClaimedJob first = jobs.claim(id, "worker-a", Duration.ofMillis(1)).orElseThrow();
        Thread.sleep(20);
        // The web tier's sweep finds the expired lease and re-queues the job.
        assertThat(jobs.rescueExpiredLeases(100))
                .extracting(JobRepository.Rescued::id)
                .contains(id);
        ClaimedJob second = jobs.claim(id, "worker-b", Duration.ofMinutes(1)).orElseThrow();
        assertThat(second.attempt()).isEqualTo(2);

        assertThat(jobs.succeed(id, first.leaseToken(), "{\"stale\":true}", null, null))
                .isFalse();
        assertThat(jobs.fail(id, first.leaseToken(), "X", "stale", true, new Backoff(Duration.ZERO, Duration.ZERO)))
                .isEqualTo(FailOutcome.STALE);
        assertThat(jobs.renewLease(id, first.leaseToken(), Duration.ofMinutes(1)))
                .isEqualTo(LeaseState.LOST);
        assertThat(jobs.release(id, first.leaseToken())).isFalse();
        attempts.staleWriteRejected(first.leaseToken());

        assertThat(jobs.succeed(id, second.leaseToken(), "{\"fresh\":true}", null, null))
                .isTrue();
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement("SELECT j.status, j.result::text, j.attempt,"
                        + " (SELECT string_agg(a.attempt || ':' || a.outcome || ':' || a.stale_write_rejected, ',' ORDER BY a.attempt)"
                        + "  FROM job_attempt a WHERE a.job_id = j.id) FROM job j WHERE j.id = ?")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("SUCCEEDED");
                assertThat(rs.getString(2)).contains("fresh").doesNotContain("stale");
                assertThat(rs.getInt(3)).isEqualTo(2);
                assertThat(rs.getString(4)).isEqualTo("1:LEASE_EXPIRED:true,2:SUCCEEDED:false");
            }
        }
    }

    @Test
    void jobWithAttemptsLeftIsRetriedLaterAndTheLastAttemptFailsForGood() throws Exception {
        UUID id = insertQueuedJob("retry-queue");
        Backoff backoff = new Backoff(Duration.ofSeconds(30), Duration.ofMinutes(5));

        ClaimedJob first = jobs.claim(id, "w", Duration.ofMinutes(1)).orElseThrow();
        assertThat(jobs.fail(id, first.leaseToken(), "CHILD_CRASHED", "boom", true, backoff))
                .isEqualTo(FailOutcome.RETRY_SCHEDULED);
        // Backed off: not claimable before its run-at.
        assertThat(jobs.claim(id, "w", Duration.ofMinutes(1))).isEmpty();
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT extract(epoch FROM run_at - now()), dispatch_pending FROM job WHERE id = ?")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                assertThat(rs.getDouble(1)).isBetween(20.0, 40.0); // 30 s ± 25 % jitter
                assertThat(rs.getBoolean(2)).isTrue();
            }
        }
        makeDue(id);
        ClaimedJob second = jobs.claim(id, "w", Duration.ofMinutes(1)).orElseThrow();
        assertThat(jobs.fail(id, second.leaseToken(), "INVALID_INPUT", "bad", false, backoff))
                .as("non-retryable")
                .isEqualTo(FailOutcome.FAILED);
    }

    private static UUID insertQueuedJob(String queue) throws Exception {
        UUID id = UUID.randomUUID();
        ForkyardTestResource.database()
                .update(
                        "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds, dispatch_pending)"
                                + " VALUES (?, 'noop', ?, 'QUEUED', '{}'::jsonb, 3, 30, false)",
                        id,
                        queue);
        return id;
    }

    private static void makeDue(UUID id) throws Exception {
        ForkyardTestResource.database().update("UPDATE job SET run_at = now() WHERE id = ?", id);
    }
}
