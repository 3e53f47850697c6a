package io.forkyard.web.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.db.StoreException;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.web.job.JobCommands.Inserted;
import io.forkyard.web.job.JobCommands.NewJob;
import io.forkyard.web.job.JobCommands.Submitted;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Single submits' group commit against the real database. Each test holds the first submit's
 * insert on a row lock (a test transaction that inserted the same idempotency key and has not
 * committed), so the submits made meanwhile queue behind it, then lets it go: what queued goes
 * in the next statement.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class SubmitGroupTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    SubmitGroup group;

    private ExecutorService clients;
    private Connection blocker;

    @BeforeEach
    void start() {
        clients = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stop() throws Exception {
        if (blocker != null) {
            blocker.close();
        }
        clients.shutdownNow();
        assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void submitsMadeWhileAnInsertIsInFlightShareOneStatementAndEachAnswersAfterItsCommit() throws Exception {
        CompletableFuture<Optional<Inserted>> first = heldFirstSubmit();
        List<Submitted> later = new ArrayList<>();
        List<CompletableFuture<Optional<Inserted>>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Submitted s = Submitted.now("default", job(null, "{}"));
            later.add(s);
            answers.add(submit(s));
        }
        await().atMost(WAIT).until(() -> group.queued() == 5);
        assertThat(answers).noneMatch(CompletableFuture::isDone);

        blocker.rollback(); // the held key is free again: the first submit inserts its job
        assertThat(first.get(30, TimeUnit.SECONDS)).isPresent();
        for (CompletableFuture<Optional<Inserted>> answer : answers) {
            assertThat(answer.get(30, TimeUnit.SECONDS)).isPresent();
        }
        // Every answer came after its job committed, and the five committed in one transaction.
        assertThat(ForkyardTestResource.database()
                        .strings("SELECT DISTINCT xmin::text FROM job WHERE id = ANY(?::uuid[])", (Object) ids(later)))
                .hasSize(1);
    }

    @Test
    void aJobThatFailsItsGroupFailsAloneAndTheOthersAreInserted() throws Exception {
        CompletableFuture<Optional<Inserted>> first = heldFirstSubmit();
        Submitted good1 = Submitted.now("default", job(null, "{}"));
        Submitted bad = Submitted.now("default", job(null, "{not json"));
        Submitted good2 = Submitted.now("default", job(null, "{}"));
        CompletableFuture<Optional<Inserted>> a1 = submit(good1);
        CompletableFuture<Optional<Inserted>> a2 = submit(bad);
        CompletableFuture<Optional<Inserted>> a3 = submit(good2);
        await().atMost(WAIT).until(() -> group.queued() == 3);

        blocker.rollback();
        assertThat(first.get(30, TimeUnit.SECONDS)).isPresent();
        assertThat(a1.get(30, TimeUnit.SECONDS)).isPresent();
        assertThat(a3.get(30, TimeUnit.SECONDS)).isPresent();
        assertThat(catchFailure(a2)).isInstanceOf(StoreException.class);
        assertThat(ForkyardTestResource.database()
                        .strings("SELECT id::text FROM job WHERE id = ANY(?::uuid[]) ORDER BY id", (Object)
                                ids(List.of(good1, bad, good2))))
                .containsExactlyInAnyOrder(
                        good1.job().id().toString(), good2.job().id().toString());
    }

    @Test
    void oneIdempotencyKeyTwiceInAGroupInsertsOneJob() throws Exception {
        CompletableFuture<Optional<Inserted>> first = heldFirstSubmit();
        String key = "twice-" + UUID.randomUUID();
        Submitted one = Submitted.now("default", job(key, "{}"));
        Submitted two = Submitted.now("default", job(key, "{}"));
        CompletableFuture<Optional<Inserted>> a1 = submit(one);
        CompletableFuture<Optional<Inserted>> a2 = submit(two);
        await().atMost(WAIT).until(() -> group.queued() == 2);

        blocker.rollback();
        assertThat(first.get(30, TimeUnit.SECONDS)).isPresent();
        assertThat(List.of(a1.get(30, TimeUnit.SECONDS), a2.get(30, TimeUnit.SECONDS)))
                .filteredOn(Optional::isPresent)
                .hasSize(1);
        assertThat(ForkyardTestResource.database()
                        .strings("SELECT count(*)::text FROM job WHERE idempotency_key = ?", key))
                .containsExactly("1");
    }

    /**
     * A submit whose insert waits for a test transaction holding its idempotency key, and is in
     * flight (nothing queued behind it yet).
     */
    private CompletableFuture<Optional<Inserted>> heldFirstSubmit() throws Exception {
        String key = "held-" + UUID.randomUUID();
        blocker = ForkyardTestResource.database().connect();
        blocker.setAutoCommit(false);
        try (PreparedStatement s = blocker.prepareStatement(
                "INSERT INTO job (id, tenant, type, queue, status, input, max_attempts, timeout_seconds, idempotency_key)"
                        + " VALUES (gen_random_uuid(), 'default', 'noop', 'default', 'QUEUED', '{}'::jsonb, 1, 30, ?)")) {
            s.setString(1, key);
            s.executeUpdate();
        }
        CompletableFuture<Optional<Inserted>> first = submit(Submitted.now("default", job(key, "{}")));
        await().atMost(WAIT)
                .until(() -> !ForkyardTestResource.database()
                        .strings("SELECT pid::text FROM pg_stat_activity"
                                + " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO job%'"
                                + " AND datname = current_database()")
                        .isEmpty());
        assertThat(group.queued()).isZero();
        return first;
    }

    private CompletableFuture<Optional<Inserted>> submit(Submitted s) {
        return CompletableFuture.supplyAsync(() -> group.insert(s), clients);
    }

    private static NewJob job(String key, String input) {
        return new NewJob(
                UUID.randomUUID(), "noop", "default", input, 1, 30, null, key, key == null ? null : "hash", 0, null);
    }

    private static String[] ids(List<Submitted> submitted) {
        return submitted.stream().map(s -> s.job().id().toString()).toArray(String[]::new);
    }

    private static Throwable catchFailure(CompletableFuture<?> answer) throws Exception {
        try {
            answer.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the submit succeeded");
    }
}
