package io.forkyard.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.worker.complete.Completer;
import io.forkyard.worker.complete.Outcome;
import io.forkyard.worker.complete.Outcomes;
import io.forkyard.worker.intake.Claims;
import io.forkyard.worker.lease.Beats;
import io.forkyard.worker.run.ClaimedJob;
import io.forkyard.worker.run.HeldJob;
import io.forkyard.worker.run.TestJobs;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The statements of the batched hot path against the real database: the claimer's, the
 * completer's and the lease keeper's, and the attempt history the trigger keeps from them. The
 * jobs here are inserted without a record, so the running worker never sees them.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class HotPathTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration NO_BACKOFF = Duration.ZERO;

    @Inject
    DataSource db;

    @Inject
    Completer completer;

    @Test
    void aFetchedBatchIsClaimedInOneStatementAndOnlyClaimableJobsAreTaken() throws Exception {
        UUID due = aQueuedJob(3);
        UUID notDue = aQueuedJob(3);
        UUID cancelled = aQueuedJob(3);
        UUID finished = aQueuedJob(3);
        sql("UPDATE job SET run_at = '2999-01-01' WHERE id = ?", notDue);
        sql("UPDATE job SET cancel_requested = true WHERE id = ?", cancelled);
        sql("UPDATE job SET status = 'SUCCEEDED', finished_at = now() WHERE id = ?", finished);

        List<ClaimedJob> claimed = Claims.claim(db, "worker-a", MINUTE, due, notDue, cancelled, finished);

        assertThat(claimed).extracting(ClaimedJob::id).containsExactly(due);
        assertThat(claimed.get(0).attempt()).isEqualTo(1);
        assertThat(row(due)).containsEntry("status", "RUNNING").containsEntry("lease_owner", "worker-a");
        assertThat(row(notDue)).containsEntry("status", "QUEUED").containsEntry("attempt", 0);
        assertThat(row(cancelled)).containsEntry("status", "QUEUED");
        assertThat(row(finished)).containsEntry("status", "SUCCEEDED");
        // The attempt is on record from its claim; it has not started running yet.
        assertThat(attempts(due)).containsExactly("1:worker-a:claimed:not-started:open:false");
    }

    @Test
    void aStaleWorkerCanWriteNothingAndEveryRefusedWriteIsMarked() throws Exception {
        UUID id = aQueuedJob(3);
        ClaimedJob first = Claims.claim(db, "worker-a", MINUTE, id).get(0);
        rescueAsTheLeaseSweeperWould(id);
        ClaimedJob second = Claims.claim(db, "worker-b", MINUTE, id).get(0);
        assertThat(second.attempt()).isEqualTo(2);

        HeldJob stale = TestJobs.running(first, 50, "half");
        Map<UUID, String> refused = Outcomes.write(
                db, NO_BACKOFF, NO_BACKOFF, Outcome.succeeded(stale, Json.MAPPER.readTree("{\"stale\":true}")));
        refused.putAll(
                Outcomes.write(db, NO_BACKOFF, NO_BACKOFF, Outcome.failed(stale, FailureCode.TIMEOUT, "stale", true)));
        refused.putAll(Outcomes.write(db, NO_BACKOFF, NO_BACKOFF, Outcome.cancelled(stale)));
        refused.putAll(Outcomes.write(db, NO_BACKOFF, NO_BACKOFF, Outcome.released(stale)));
        Beats.Answer beat = Beats.beat(db, "worker-a", List.of("default"), Duration.ZERO, 1, 1, 0, stale);

        assertThat(refused).isEmpty();
        assertThat(beat.lost()).containsExactly(id);
        Map<UUID, String> written = Outcomes.write(
                db,
                NO_BACKOFF,
                NO_BACKOFF,
                Outcome.succeeded(TestJobs.running(second, 0, null), Json.MAPPER.readTree("{\"fresh\":true}")));
        assertThat(written).containsEntry(id, "SUCCEEDED");
        assertThat(row(id))
                .containsEntry("status", "SUCCEEDED")
                .containsEntry("attempt", 2)
                .containsEntry("result", "{\"fresh\": true}");
        // The stale mark (true) is the outcome statement's, made as it refused the writes above; no
        // test writes it. LEASE_EXPIRED is the code the stand-in rescue gave the job (the sweeper's
        // own statement is run in web-frontend's JobStatusTransitionsTest), which the trigger copies.
        assertThat(attempts(id))
                .containsExactly(
                        "1:worker-a:claimed:not-started:LEASE_EXPIRED:true",
                        "2:worker-b:claimed:started:SUCCEEDED:false");
    }

    @Test
    void aBatchOfMixedOutcomesIsOneStatementAndEachJobEndsAsItsOutcomeSays() throws Exception {
        UUID succeeds = aQueuedJob(3);
        UUID fails = aQueuedJob(1);
        UUID handedBack = aQueuedJob(3);
        UUID cancelled = aQueuedJob(3);
        Map<UUID, ClaimedJob> claims = new HashMap<>();
        Claims.claim(db, "worker-a", MINUTE, succeeds, fails, handedBack, cancelled)
                .forEach(c -> claims.put(c.id(), c));

        Map<UUID, String> written = Outcomes.write(
                db,
                NO_BACKOFF,
                NO_BACKOFF,
                Outcome.succeeded(
                        TestJobs.running(claims.get(succeeds), 0, null),
                        Json.MAPPER.readTree("{\"contentType\":\"image/png\",\"bytes\":3,\"base64\":\"AQID\"}")),
                Outcome.failed(TestJobs.running(claims.get(fails), 0, null), FailureCode.TIMEOUT, "too slow", true),
                Outcome.released(TestJobs.buffered(claims.get(handedBack))),
                Outcome.cancelled(TestJobs.buffered(claims.get(cancelled))));

        assertThat(written)
                .containsEntry(succeeds, "SUCCEEDED")
                .containsEntry(fails, "FAILED")
                .containsEntry(handedBack, "QUEUED")
                .containsEntry(cancelled, "CANCELLED");
        assertThat(row(succeeds))
                .containsEntry("result", "{\"bytes\": 3, \"contentType\": \"image/png\"}")
                .containsEntry("result_bytes", "010203");
        assertThat(row(fails)).containsEntry("error_code", "TIMEOUT").containsEntry("in_outbox", false);
        // Handed back before it started: the attempt is not spent, and the job is published again.
        assertThat(row(handedBack))
                .containsEntry("attempt", 0)
                .containsEntry("in_outbox", true)
                .containsEntry("started_at", null);
        assertThat(row(cancelled))
                .containsEntry("error_code", "CANCELLED")
                .containsEntry("error_message", "cancelled before it started");
        assertThat(attempts(succeeds)).containsExactly("1:worker-a:claimed:started:SUCCEEDED:false");
        assertThat(attempts(fails)).containsExactly("1:worker-a:claimed:started:TIMEOUT:false");
        assertThat(attempts(handedBack)).containsExactly("1:worker-a:claimed:not-started:RELEASED:false");
        assertThat(attempts(cancelled)).containsExactly("1:worker-a:claimed:not-started:CANCELLED:false");
    }

    @Test
    void retryDelaysDoubleWithJitterAndNeverExceedTheCap() throws Exception {
        Duration base = Duration.ofSeconds(10);
        Duration cap = Duration.ofSeconds(25);
        UUID id = aQueuedJob(5);
        List<Double> delays = new ArrayList<>();
        for (int attempt = 1; attempt <= 4; attempt++) {
            ClaimedJob claim = Claims.claim(db, "w", MINUTE, id).get(0);
            assertThat(claim.attempt()).isEqualTo(attempt);
            Map<UUID, String> written = Outcomes.write(
                    db,
                    base,
                    cap,
                    Outcome.failed(TestJobs.running(claim, 0, null), FailureCode.CHILD_CRASHED, "boom", true));
            assertThat(written).containsEntry(id, "QUEUED");
            delays.add(secondsUntilDue(id));
            assertThat(Claims.claim(db, "w", MINUTE, id))
                    .as("not claimable before its run-at")
                    .isEmpty();
            sql("UPDATE job SET run_at = now() WHERE id = ?", id);
        }

        assertThat(delays.get(0)).isBetween(7.0, 12.6); // 10 s ± 25 %
        assertThat(delays.get(1)).isBetween(14.5, 25.1); // 20 s ± 25 %, capped at 25
        assertThat(delays.get(2)).isBetween(24.0, 25.1); // 40 s ± 25 % is always above the cap
        assertThat(delays.get(3)).isBetween(24.0, 25.1);
        ClaimedJob last = Claims.claim(db, "w", MINUTE, id).get(0);
        assertThat(Outcomes.write(
                        db,
                        base,
                        cap,
                        Outcome.failed(TestJobs.running(last, 0, null), FailureCode.CHILD_CRASHED, "boom", true)))
                .as("attempts used up")
                .containsEntry(id, "FAILED");
    }

    @Test
    void aBeatWritesOnlyWhatNeedsWritingAndReportsCancelsLostLeasesAndIdleWorkers() throws Exception {
        UUID running = aQueuedJob(3);
        UUID buffered = aQueuedJob(3);
        UUID old = aQueuedJob(3);
        Map<UUID, ClaimedJob> claims = new HashMap<>();
        Claims.claim(db, "worker-a", Duration.ofSeconds(2), running, buffered, old)
                .forEach(c -> claims.put(c.id(), c));
        sql("UPDATE job SET cancel_requested = true WHERE id = ?", buffered);
        String queue = "beat-" + UUID.randomUUID();
        aWorker("idle-peer-" + queue, queue, 4, 1, 0, "now()");
        aWorker("busy-peer-" + queue, queue, 2, 2, 0, "now()");
        aWorker("silent-peer-" + queue, queue, 4, 0, 0, "now() - interval '1 minute'");
        aWorker("other-queue-peer-" + queue, "other-" + queue, 4, 0, 0, "now()");

        // Leases younger than a minute are not renewed: only the run start and progress are written.
        Beats.Answer beat = Beats.beat(
                db,
                "worker-a-" + queue,
                List.of(queue),
                Duration.ofMinutes(1),
                2,
                1,
                1,
                TestJobs.running(claims.get(running), 40, "forty"),
                TestJobs.buffered(claims.get(buffered)));
        Beats.Answer renewing = Beats.beat(
                db, "worker-a-" + queue, List.of(queue), Duration.ZERO, 2, 1, 1, TestJobs.buffered(claims.get(old)));

        assertThat(beat.lost()).isEmpty();
        assertThat(beat.cancelled()).containsExactly(buffered);
        assertThat(beat.idlePeerSlots())
                .as("only the live, idle peer of the same queue")
                .isEqualTo(3);
        assertThat(row(running)).containsEntry("progress_percent", 40).containsEntry("progress_message", "forty");
        assertThat(row(running).get("started_at")).isNotNull();
        assertThat(leaseSecondsLeft(running)).as("renewed to a minute").isBetween(50, 60);
        assertThat(row(buffered)).containsEntry("started_at", null);
        assertThat(leaseSecondsLeft(buffered)).as("its 2 s claim, not renewed").isBetween(0, 2);
        assertThat(renewing.lost()).isEmpty();
        assertThat(leaseSecondsLeft(old)).as("an old lease is renewed").isBetween(50, 60);
        assertThat(workerRow("worker-a-" + queue)).isEqualTo("2:1:1");
    }

    @Test
    void anOutcomeTheDatabaseRefusesFailsOnlyItsOwnJobWithOutcomeRejected() throws Exception {
        UUID poisoned = aQueuedJob(3);
        UUID healthy = aQueuedJob(3);
        Map<UUID, ClaimedJob> claims = new HashMap<>();
        Claims.claim(db, "worker-a", MINUTE, poisoned, healthy).forEach(c -> claims.put(c.id(), c));

        // A binary result whose base64 is not base64: the statement writing it fails, and with it
        // any batch it is in.
        completer.complete(Outcome.succeeded(
                TestJobs.running(claims.get(poisoned), 0, null),
                Json.MAPPER.readTree("{\"contentType\":\"image/png\",\"base64\":\"not base64!\"}")));
        completer.complete(
                Outcome.succeeded(TestJobs.running(claims.get(healthy), 0, null), Json.MAPPER.readTree("{}")));

        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        row(poisoned).get("finished_at") != null && row(healthy).get("finished_at") != null);
        assertThat(row(poisoned))
                .containsEntry("status", "FAILED")
                .containsEntry("error_code", "OUTCOME_REJECTED")
                .containsEntry("attempt", 1);
        assertThat((String) row(poisoned).get("error_message")).contains("could not be stored");
        assertThat(row(healthy)).containsEntry("status", "SUCCEEDED");
    }

    @Test
    void aResultStringHoldingNulIsStoredWholeAsItsBytes() throws Exception {
        UUID id = aQueuedJob(3);
        ClaimedJob claim = Claims.claim(db, "worker-a", MINUTE, id).get(0);

        Outcomes.write(
                db,
                NO_BACKOFF,
                NO_BACKOFF,
                Outcome.succeeded(TestJobs.running(claim, 0, null), Json.MAPPER.readTree("{\"out\":\"a\\u0000b\"}")));

        assertThat(row(id)).containsEntry("status", "SUCCEEDED");
        assertThat(Json.MAPPER.readTree((String) row(id).get("result")))
                .isEqualTo(Json.MAPPER.readTree("{\"out\":{\"$base64\":\"YQBi\"}}"));
    }

    @Test
    void aJobThatFailsForGoodWritesOneDeadLetterInTheSameCommitAndARetryWritesNone() throws Exception {
        UUID forGood = aQueuedJob(1);
        UUID retried = aQueuedJob(3);
        Map<UUID, ClaimedJob> claims = new HashMap<>();
        Claims.claim(db, "worker-a", MINUTE, forGood, retried).forEach(c -> claims.put(c.id(), c));

        Outcomes.write(
                db,
                NO_BACKOFF,
                NO_BACKOFF,
                Outcome.failed(TestJobs.running(claims.get(forGood), 0, null), FailureCode.TIMEOUT, "too slow", true),
                Outcome.failed(TestJobs.running(claims.get(retried), 0, null), FailureCode.TIMEOUT, "too slow", true));

        assertThat(row(forGood)).containsEntry("status", "FAILED");
        assertThat(row(retried)).containsEntry("status", "QUEUED");
        assertThat(deadLetters(forGood)).containsExactly("job-failed:noop:TIMEOUT:too slow");
        assertThat(deadLetters(retried)).isEmpty();
    }

    @Test
    void aCancelThatReachesTheWorkerFirstEndsTheJobCancelled() throws Exception {
        UUID id = aQueuedJob(3);
        ClaimedJob claim = Claims.claim(db, "worker-a", MINUTE, id).get(0);
        sql("UPDATE job SET cancel_requested = true WHERE id = ?", id); // DELETE /api/jobs/{id}: 202

        // the worker's beat reports the cancel, the child is killed, the outcome is CANCELLED
        Outcomes.write(db, NO_BACKOFF, NO_BACKOFF, Outcome.cancelled(TestJobs.running(claim, 50, null)));

        assertThat(row(id)).containsEntry("status", "CANCELLED").containsEntry("error_code", "CANCELLED");
        assertThat(attempts(id)).containsExactly("1:worker-a:claimed:started:CANCELLED:false");
    }

    @Test
    void anAttemptThatEndsBeforeTheCancelReachesTheWorkerStandsButIsNeverRetried() throws Exception {
        UUID succeeded = aQueuedJob(3);
        UUID failedRetryable = aQueuedJob(3);
        UUID handedBack = aQueuedJob(3);
        Map<UUID, ClaimedJob> claims = new HashMap<>();
        Claims.claim(db, "worker-a", MINUTE, succeeded, failedRetryable, handedBack)
                .forEach(c -> claims.put(c.id(), c));
        for (UUID id : List.of(succeeded, failedRetryable, handedBack)) {
            sql("UPDATE job SET cancel_requested = true WHERE id = ?", id); // 202, the beat has not seen it
        }

        Outcomes.write(
                db,
                NO_BACKOFF,
                NO_BACKOFF,
                Outcome.succeeded(TestJobs.running(claims.get(succeeded), 0, null), Json.MAPPER.readTree("{\"n\":1}")),
                Outcome.failed(
                        TestJobs.running(claims.get(failedRetryable), 0, null),
                        FailureCode.CHILD_CRASHED,
                        "crash",
                        true),
                Outcome.released(TestJobs.buffered(claims.get(handedBack))));

        assertThat(row(succeeded)).containsEntry("status", "SUCCEEDED").containsEntry("result", "{\"n\": 1}");
        assertThat(row(failedRetryable))
                .containsEntry("status", "CANCELLED")
                .containsEntry("error_code", "CANCELLED")
                .containsEntry("in_outbox", false);
        assertThat(row(handedBack))
                .containsEntry("status", "CANCELLED")
                .containsEntry("error_message", "cancelled before it started")
                .containsEntry("in_outbox", false);
    }

    private UUID aQueuedJob(int maxAttempts) throws Exception {
        UUID id = UUID.randomUUID();
        sql(
                "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds)"
                        + " VALUES (?, 'noop', 'hot-path', 'QUEUED', '{}'::jsonb, ?, 30)",
                id,
                maxAttempts);
        sql("DELETE FROM job_outbox WHERE job_id = ?", id); // as if published
        return id;
    }

    /**
     * A stand-in for the web tier's lease sweeper (its statement lives in web-frontend), so another
     * worker can claim the job: what the sweeper does to a job whose lease expired.
     */
    private void rescueAsTheLeaseSweeperWould(UUID id) throws Exception {
        sql(
                "UPDATE job SET status = 'QUEUED', error_code = 'LEASE_EXPIRED',"
                        + " lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
                id);
    }

    private void aWorker(String id, String queue, int slots, int busy, int buffered, String heartbeat)
            throws Exception {
        sql(
                "INSERT INTO worker (id, queues, slots, busy, buffered, heartbeat_at) VALUES (?, ARRAY[?], ?, ?, ?, "
                        + heartbeat + ")",
                id,
                queue,
                slots,
                busy,
                buffered);
    }

    private void sql(String sql, Object... params) throws Exception {
        ForkyardTestResource.database().update(sql, params);
    }

    private double secondsUntilDue(UUID id) throws Exception {
        Object seconds = query("SELECT extract(epoch FROM run_at - now()) AS s FROM job WHERE id = ?", id)
                .get(0)
                .get("s");
        return ((Number) seconds).doubleValue();
    }

    private Map<String, Object> row(UUID id) throws Exception {
        return query(
                        "SELECT status, attempt, lease_owner, result::text AS result,"
                                + " encode(result_bytes, 'hex') AS result_bytes, error_code, error_message,"
                                + " EXISTS (SELECT 1 FROM job_outbox o WHERE o.job_id = job.id) AS in_outbox,"
                                + " started_at, finished_at, progress_percent, progress_message,"
                                + " round(extract(epoch FROM lease_expires_at - now()))::int AS lease_seconds_left"
                                + " FROM job WHERE id = ?",
                        id)
                .get(0);
    }

    /** The job's letters in the dead-letter outbox: {@code reason:type:code:message}. */
    private List<String> deadLetters(UUID id) throws Exception {
        return query(
                        "SELECT reason || ':' || job_type || ':' || error_code || ':' || error_message AS d"
                                + " FROM dead_letter WHERE job_id = ? ORDER BY id",
                        id)
                .stream()
                .map(r -> (String) r.get("d"))
                .toList();
    }

    /** Per attempt: {@code attempt:worker:claimed:started|not-started:outcome|open:stale}. */
    private List<String> attempts(UUID id) throws Exception {
        return query(
                        "SELECT attempt || ':' || worker || ':' || CASE WHEN claimed_at IS NULL THEN '-' ELSE 'claimed' END"
                                + " || ':' || CASE WHEN started_at IS NULL THEN 'not-started' ELSE 'started' END"
                                + " || ':' || coalesce(outcome, 'open') || ':' || stale_write_rejected AS a"
                                + " FROM job_attempt WHERE job_id = ? ORDER BY attempt",
                        id)
                .stream()
                .map(r -> (String) r.get("a"))
                .toList();
    }

    private int leaseSecondsLeft(UUID id) throws Exception {
        return (Integer) row(id).get("lease_seconds_left");
    }

    private String workerRow(String id) throws Exception {
        return (String) query("SELECT slots || ':' || busy || ':' || buffered AS w FROM worker WHERE id = ?", id)
                .get(0)
                .get("w");
    }

    private List<Map<String, Object>> query(String sql, Object... params) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new HashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }
}
