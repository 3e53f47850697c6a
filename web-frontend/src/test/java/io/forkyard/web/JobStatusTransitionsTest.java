package io.forkyard.web;

import static io.forkyard.job.JobStatus.CANCELLED;
import static io.forkyard.job.JobStatus.FAILED;
import static io.forkyard.job.JobStatus.QUEUED;
import static io.forkyard.job.JobStatus.RUNNING;
import static io.forkyard.testing.JobTransitions.Change.of;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.job.JobStatus;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.JobTransitions;
import io.forkyard.testing.TestDatabase;
import io.forkyard.web.job.JobCommands;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The web tier's status-changing statements (cancel, retry, and the lease sweeper's rescue) against
 * jobs in every status: each change they make must be one {@link JobStatus} allows, and exactly the
 * ones their class declares in its {@code requireTransition} block. The worker's statements have
 * the same test in the worker module.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class JobStatusTransitionsTest {

    @Inject
    JobCommands commands;

    @Inject
    WebConfig config;

    @Test
    void aCancelMovesOnlyAQueuedJobAndOnlyToCancelled() throws Exception {
        Map<UUID, JobStatus> before = new HashMap<>();
        for (JobStatus status : JobStatus.values()) {
            before.put(aJob(status, 1, 3, "now() + interval '1 hour'"), status);
        }

        before.keySet().forEach(id -> commands.requestCancel(id, config.defaultTenant()));

        JobTransitions.assertMadeExactly("JobCommands.CANCEL", changes(before), of(QUEUED, CANCELLED));
    }

    @Test
    void aRetryMovesOnlyAFailedOrCancelledJobAndOnlyBackToTheQueue() throws Exception {
        Map<UUID, JobStatus> before = new HashMap<>();
        for (JobStatus status : JobStatus.values()) {
            before.put(aJob(status, 1, 3, "now() + interval '1 hour'"), status);
        }

        before.keySet().forEach(id -> commands.requeue(id, config.defaultTenant()));

        JobTransitions.assertMadeExactly(
                "JobCommands.REQUEUE", changes(before), of(FAILED, QUEUED), of(CANCELLED, QUEUED));
    }

    /**
     * Jobs in every status whose lease expired a minute ago, with and without a cancel asked and an
     * attempt left, in front of the running lease sweeper: only the RUNNING ones may change. A
     * RUNNING job whose lease is still live stays as it is. The RUNNING ones were claimed the way a
     * worker claims (an UPDATE to RUNNING), so their attempt is on record and the rescue closes it.
     */
    @Test
    void theLeaseRescueMovesOnlyARunningJobWhoseLeaseExpired() throws Exception {
        Map<UUID, JobStatus> before = new HashMap<>();
        Map<UUID, String> expiredRunning = new HashMap<>(); // and how their attempt must end
        for (JobStatus status : JobStatus.values()) {
            for (boolean cancelRequested : new boolean[] {false, true}) {
                for (int maxAttempts : new int[] {1, 3}) {
                    UUID id;
                    if (status == RUNNING) {
                        id = aClaimedJob(maxAttempts, cancelRequested, "now() - interval '1 minute'");
                        expiredRunning.put(id, cancelRequested ? "CANCELLED" : "LEASE_EXPIRED");
                    } else {
                        id = aJob(status, 1, maxAttempts, "now() - interval '1 minute'");
                        sql("UPDATE job SET cancel_requested = ? WHERE id = ?", cancelRequested, id);
                    }
                    before.put(id, status);
                }
            }
        }
        UUID live = aClaimedJob(3, false, "now() + interval '1 hour'");
        before.put(live, RUNNING);

        // The sweeper runs every dispatcher.sweep-interval (1 s); one statement takes them all.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> statuses(expiredRunning.keySet()).values().stream().noneMatch(s -> s == RUNNING));

        JobTransitions.assertMadeExactly(
                "LeaseSweeper.RESCUE",
                changes(before),
                of(RUNNING, QUEUED),
                of(RUNNING, FAILED),
                of(RUNNING, CANCELLED));
        assertThat(status(live)).as("a live lease is left alone").isEqualTo(RUNNING);
        for (Map.Entry<UUID, String> rescued : expiredRunning.entrySet()) {
            assertThat(attemptOutcome(rescued.getKey()))
                    .as("how the rescue closed the attempt")
                    .isEqualTo(rescued.getValue());
        }
    }

    /** The changes from {@code before} to the statuses in the database now. */
    private static Set<JobTransitions.Change> changes(Map<UUID, JobStatus> before) throws Exception {
        return JobTransitions.changes(before, statuses(before.keySet()));
    }

    private static Map<UUID, JobStatus> statuses(Collection<UUID> ids) throws Exception {
        return JobTransitions.statuses(ForkyardTestResource.database(), ids);
    }

    /** A job in {@code status}, its lease (token, owner, expiry) set whatever its status. */
    private UUID aJob(JobStatus status, int attempt, int maxAttempts, String leaseExpiresAt) throws Exception {
        UUID id = UUID.randomUUID();
        sql(
                "INSERT INTO job (id, tenant, type, queue, status, input, attempt, max_attempts, timeout_seconds,"
                        + " lease_token, lease_owner, lease_expires_at, finished_at)"
                        + " VALUES (?, ?, 'noop', 'transitions', ?, '{}'::jsonb, ?, ?, 30, gen_random_uuid(),"
                        + " 'gone-worker', " + leaseExpiresAt + ", CASE WHEN ? THEN now() END)",
                id,
                config.defaultTenant(),
                status.name(),
                attempt,
                maxAttempts,
                status.isFinal());
        return id;
    }

    /**
     * A QUEUED job claimed the way a worker claims it (so its attempt is on record), with a cancel
     * asked or not, in the same statement: the sweeper may take it as soon as it commits.
     */
    private UUID aClaimedJob(int maxAttempts, boolean cancelRequested, String leaseExpiresAt) throws Exception {
        UUID id = aJob(QUEUED, 0, maxAttempts, "NULL");
        sql(
                "UPDATE job SET status = 'RUNNING', attempt = 1, lease_token = gen_random_uuid(),"
                        + " lease_owner = 'gone-worker', cancel_requested = ?, lease_expires_at = " + leaseExpiresAt
                        + " WHERE id = ?",
                cancelRequested,
                id);
        return id;
    }

    private static JobStatus status(UUID id) throws Exception {
        return statuses(List.of(id)).get(id);
    }

    private static String attemptOutcome(UUID id) throws Exception {
        return query("SELECT outcome FROM job_attempt WHERE job_id = ? AND attempt = 1", id);
    }

    private static String query(String sql, UUID id) throws Exception {
        TestDatabase database = ForkyardTestResource.database();
        try (Connection c = database.connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static void sql(String sql, Object... params) throws Exception {
        ForkyardTestResource.database().update(sql, params);
    }
}
