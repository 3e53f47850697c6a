package io.forkyard.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.db.Jdbc;
import io.forkyard.testing.TestDatabase;
import io.forkyard.worker.run.ClaimedJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The claim of paused and limited queues (README "Queues") on a database of its own: the plain
 * claim leaves their jobs alone; the limited claim takes no more than the queue has room for, even
 * with claimers racing over the same fetch in different orders (each would take other jobs if the
 * queue's lock did not serialise them), and makes the jobs it turns away pending again.
 */
class LimitedClaimTest {

    private static final int CLAIMERS = 4;

    private static TestDatabase database;
    private static DataSource db;
    private static ExecutorService claimers;

    @BeforeAll
    static void migrate() {
        database = TestDatabase.create("limits");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(database.jdbcUrl());
        ds.setUser(database.user());
        db = ds;
        Flyway.configure()
                .dataSource(db)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        claimers = Executors.newFixedThreadPool(CLAIMERS);
    }

    @AfterAll
    static void drop() {
        if (claimers != null) {
            claimers.shutdownNow();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void racingClaimersNeverHoldMoreJobsOfALimitedQueueThanItsLimit() throws Exception {
        database.update("INSERT INTO queue (name, concurrency_limit) VALUES ('limited', 2)");
        List<UUID> jobs = jobs("limited", 20);

        for (int round = 0; round < 5; round++) {
            CyclicBarrier start = new CyclicBarrier(CLAIMERS);
            List<Future<Integer>> claims = new ArrayList<>();
            for (int i = 0; i < CLAIMERS; i++) {
                List<UUID> fetched = new ArrayList<>(jobs);
                Collections.shuffle(fetched, new Random(round * 31L + i));
                String worker = "w" + i;
                claims.add(claimers.submit(() -> {
                    start.await();
                    return claim(worker, fetched).size();
                }));
            }
            int claimed = 0;
            for (Future<Integer> c : claims) {
                claimed += c.get(30, TimeUnit.SECONDS);
            }
            int queued = (int) count("SELECT count(*) FROM job WHERE queue = 'limited' AND status = 'QUEUED'");
            assertThat(claimed).as("round %d", round).isEqualTo(Math.min(2, queued + claimed));
            assertThat(count("SELECT count(*) FROM job WHERE queue = 'limited' AND status = 'RUNNING'"))
                    .isEqualTo(claimed);
            assertThat(count("SELECT count(*) FROM job j WHERE queue = 'limited' AND status = 'QUEUED'"
                            + " AND NOT EXISTS (SELECT 1 FROM job_outbox o WHERE o.job_id = j.id)"))
                    .as("every job turned away is pending again, for the relay to publish when a slot frees")
                    .isZero();
            // the claimed jobs end; their records (and the others') are published again
            database.update("UPDATE job SET status = 'SUCCEEDED', lease_token = NULL, lease_expires_at = NULL,"
                    + " finished_at = now() WHERE queue = 'limited' AND status = 'RUNNING'");
            database.update("DELETE FROM job_outbox WHERE queue = 'limited'");
        }
        assertThat(count("SELECT count(*) FROM job WHERE queue = 'limited' AND status = 'SUCCEEDED'"))
                .isEqualTo(10);
        assertThat(maxConcurrentAttempts("limited")).isEqualTo(2);
    }

    @Test
    void aPausedQueuesJobsAreNotClaimedWhileAnotherQueuesInTheSameFetchAre() throws Exception {
        database.update("INSERT INTO queue (name, paused) VALUES ('held', true)");
        database.update("INSERT INTO queue (name) VALUES ('free')");
        List<UUID> held = jobs("held", 3);
        List<UUID> free = jobs("free", 2);
        List<UUID> fetched = new ArrayList<>(held);
        fetched.addAll(free);

        List<ClaimedJob> claimed = claim("w", fetched);

        assertThat(claimed).extracting(ClaimedJob::id).containsExactlyInAnyOrderElementsOf(free);
        assertThat(claimed).noneMatch(ClaimedJob::limited);
        assertThat(count("SELECT count(*) FROM job_outbox WHERE queue = 'held'"))
                .isEqualTo(3);

        database.update("UPDATE queue SET paused = false, concurrency_limit = 1 WHERE name = 'held'");
        database.update("DELETE FROM job_outbox WHERE queue = 'held'");
        List<ClaimedJob> resumed = claim("w", held);
        assertThat(resumed).hasSize(1).allMatch(ClaimedJob::limited);
    }

    /** A fetch's claim as the intake makes it: the plain claim, then the limited one for what it left. */
    private static List<ClaimedJob> claim(String worker, List<UUID> fetched) throws Exception {
        ClaimStatement plain = new ClaimStatement(worker, Duration.ofMinutes(1));
        List<ClaimedJob> claimed = new ArrayList<>(Jdbc.autoCommit(db, c -> plain.execute(c, fetched)));
        List<UUID> left = fetched.stream()
                .filter(id -> claimed.stream().noneMatch(j -> j.id().equals(id)))
                .toList();
        claimed.addAll(Jdbc.inTransaction(db, c -> new LimitedClaim(plain).execute(c, left)));
        return claimed;
    }

    /** The most attempts of the queue's jobs that were claimed and not yet ended at one moment. */
    private static long maxConcurrentAttempts(String queue) throws Exception {
        return count("""
                SELECT max(n) FROM (
                    SELECT sum(d) OVER (ORDER BY at, d) AS n FROM (
                        SELECT a.claimed_at AS at, 1 AS d FROM job_attempt a JOIN job j ON j.id = a.job_id
                         WHERE j.queue = '%1$s'
                        UNION ALL
                        SELECT a.ended_at, -1 FROM job_attempt a JOIN job j ON j.id = a.job_id
                         WHERE j.queue = '%1$s' AND a.ended_at IS NOT NULL) e) m
                """.formatted(queue));
    }

    private static List<UUID> jobs(String queue, int n) throws Exception {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            UUID id = UUID.randomUUID();
            database.update(
                    "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds)"
                            + " VALUES (?, 'noop', ?, 'QUEUED', '{}'::jsonb, 3, 30)",
                    id,
                    queue);
            database.update("DELETE FROM job_outbox WHERE job_id = ?", id); // as if published
            ids.add(id);
        }
        return ids;
    }

    private static long count(String sql) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
