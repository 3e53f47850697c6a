package io.forkyard.worker.complete;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.db.Jdbc;
import io.forkyard.messaging.Json;
import io.forkyard.testing.TestDatabase;
import io.forkyard.worker.intake.Claims;
import io.forkyard.worker.run.ClaimedJob;
import io.forkyard.worker.run.TestJobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A lease expires at the moment its worker writes the outcome: the web tier's rescue (the lease
 * sweeper's statement) and the completer's outcome write race for one RUNNING job. Exactly one
 * wins, the attempt is closed once, and the loser changes nothing: a refused outcome is marked
 * {@code stale_write_rejected}, a sweep that comes second finds nothing to rescue.
 *
 * <p>Each order is made deterministic by holding the first writer's transaction open until the
 * second is seen waiting for its row lock (or has finished without waiting), then committing.
 *
 * <p>The sweeper's statement lives in the web tier, which this module does not depend on (nor
 * should it). It is read from {@code LeaseSweeper}'s source, so the test runs the statement the web
 * tier runs, not a copy. The database is this test's own (migrated by Flyway), so the sweep rescues
 * only the jobs made here.
 */
class LeaseExpiryRaceTest {

    private static final Path SWEEPER_SOURCE = Path.of(
            "..", "web-frontend", "src", "main", "java", "io", "forkyard", "web", "housekeeping", "LeaseSweeper.java");
    private static final Duration NO_BACKOFF = Duration.ZERO;

    private static TestDatabase database;
    private static DataSource db;
    private static String rescue;
    private static ExecutorService other;

    @BeforeAll
    static void migrate() throws Exception {
        rescue = textBlock(SWEEPER_SOURCE, "RESCUE");
        database = TestDatabase.create("race");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(database.jdbcUrl());
        ds.setUser(database.user());
        db = ds;
        Flyway.configure()
                .dataSource(db)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        other = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void drop() {
        if (other != null) {
            other.shutdownNow();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void rescueFirstThenTheOutcomeWriteWaitsAndIsRefusedAsStale() throws Exception {
        ClaimedJob claim = anExpiredClaim();
        UUID id = claim.id();

        Map<UUID, String> written;
        try (Connection sweeper = db.getConnection()) {
            sweeper.setAutoCommit(false);
            assertThat(sweep(sweeper)).containsExactly(id);
            CompletableFuture<Map<UUID, String>> write = CompletableFuture.supplyAsync(
                    () -> unchecked(() -> Outcomes.write(
                            db,
                            NO_BACKOFF,
                            NO_BACKOFF,
                            Outcome.succeeded(TestJobs.running(claim, 0, null), Json.MAPPER.readTree("{}")))),
                    other);
            awaitWaitingOrDone(sweeper, write);
            sweeper.commit();
            written = write.get(30, TimeUnit.SECONDS);
        }

        assertThat(written).as("the outcome write is refused").isEmpty();
        assertThat(job(id)).isEqualTo("QUEUED:1:LEASE_EXPIRED:no-result:pending");
        assertThat(attempts(id)).containsExactly("1:LEASE_EXPIRED:stale");
        assertThat(sweepNow()).as("nothing left to rescue").isEmpty();
    }

    @Test
    void outcomeFirstThenTheSweepWaitsOrSkipsAndRescuesNothing() throws Exception {
        ClaimedJob claim = anExpiredClaim();
        UUID id = claim.id();

        List<UUID> rescued;
        try (Connection completer = db.getConnection()) {
            completer.setAutoCommit(false);
            Map<UUID, String> written = new OutcomeStatement(NO_BACKOFF, NO_BACKOFF)
                    .execute(
                            completer,
                            List.of(Outcome.succeeded(
                                    TestJobs.running(claim, 0, null), Json.MAPPER.readTree("{\"won\":true}"))));
            assertThat(written).containsEntry(id, "SUCCEEDED");
            CompletableFuture<List<UUID>> sweep = CompletableFuture.supplyAsync(() -> unchecked(this::sweepNow), other);
            awaitWaitingOrDone(completer, sweep);
            completer.commit();
            rescued = sweep.get(30, TimeUnit.SECONDS);
        }

        assertThat(rescued).as("the sweep rescues nothing").isEmpty();
        assertThat(job(id)).isEqualTo("SUCCEEDED:1:-:result:not-pending");
        assertThat(attempts(id)).containsExactly("1:SUCCEEDED:fresh");
        assertThat(sweepNow()).as("nothing left to rescue").isEmpty();
    }

    /** A job claimed by worker-a whose lease has just expired. */
    private ClaimedJob anExpiredClaim() throws Exception {
        UUID id = UUID.randomUUID();
        database.update(
                "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds)"
                        + " VALUES (?, 'noop', 'race', 'QUEUED', '{}'::jsonb, 3, 30)",
                id);
        database.update("DELETE FROM job_outbox WHERE job_id = ?", id); // as if published
        ClaimedJob claim =
                Claims.claim(db, "worker-a", Duration.ofMinutes(1), id).get(0);
        database.update("UPDATE job SET lease_expires_at = now() - interval '1 second' WHERE id = ?", id);
        return claim;
    }

    /** One round of the lease sweeper, as it runs it, in the caller's transaction. */
    private static List<UUID> sweep(Connection c) throws SQLException {
        Jdbc.preferIndexOrder(c);
        try (PreparedStatement s = c.prepareStatement(rescue)) {
            s.setInt(1, 500);
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
            return ids;
        }
    }

    /** One round of the lease sweeper in a transaction of its own. */
    private List<UUID> sweepNow() throws SQLException {
        return Jdbc.inTransaction(db, LeaseExpiryRaceTest::sweep);
    }

    /**
     * Waits until {@code second} is blocked by {@code holder}'s transaction (it waits for a row lock
     * the holder took), or has finished without waiting.
     */
    private static void awaitWaitingOrDone(Connection holder, CompletableFuture<?> second) throws SQLException {
        int holderPid;
        try (PreparedStatement s = holder.prepareStatement("SELECT pg_backend_pid()");
                ResultSet rs = s.executeQuery()) {
            rs.next();
            holderPid = rs.getInt(1);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> second.isDone() || blockedBy(holderPid));
    }

    private static boolean blockedBy(int pid) throws SQLException {
        try (Connection c = database.connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))")) {
            s.setInt(1, pid);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    /** {@code status:attempt:error_code:result|no-result:pending|not-pending}. */
    private static String job(UUID id) throws SQLException {
        return single(
                        "SELECT status || ':' || attempt || ':' || coalesce(error_code, '-') || ':'"
                                + " || CASE WHEN result IS NULL THEN 'no-result' ELSE 'result' END || ':'"
                                + " || CASE WHEN EXISTS (SELECT 1 FROM job_outbox WHERE job_id = id) THEN 'pending'"
                                + " ELSE 'not-pending' END FROM job WHERE id = ?",
                        id)
                .get(0);
    }

    /** Per attempt, in order: {@code attempt:outcome|open:stale|fresh}. */
    private static List<String> attempts(UUID id) throws SQLException {
        return single(
                "SELECT attempt || ':' || coalesce(outcome, 'open') || ':'"
                        + " || CASE WHEN stale_write_rejected THEN 'stale' ELSE 'fresh' END"
                        + " FROM job_attempt WHERE job_id = ? ORDER BY attempt, claimed_at",
                id);
    }

    private static List<String> single(String sql, UUID id) throws SQLException {
        try (Connection c = database.connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, id);
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
            return rows;
        }
    }

    /**
     * The value of the text-block constant {@code name} in a Java source file, as the compiler makes
     * it (incidental indentation stripped, escapes translated).
     */
    static String textBlock(Path source, String name) throws Exception {
        String java = Files.readString(source);
        String opening = "static final String " + name + " = \"\"\"";
        int at = java.indexOf(opening);
        if (at < 0) {
            throw new IllegalStateException(source + " has no text block " + name + " any more: update this test");
        }
        int start = java.indexOf('\n', at) + 1;
        int end = java.indexOf("\"\"\"", start);
        return java.substring(start, end).stripIndent().translateEscapes();
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws Exception;
    }

    private static <T> T unchecked(Call<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
