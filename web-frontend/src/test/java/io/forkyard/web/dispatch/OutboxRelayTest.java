package io.forkyard.web.dispatch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the outbox relay does for a job submitted alone (issue 22, "The wake-ups"). */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class OutboxRelayTest {

    private static final int JOBS = 20;

    @Inject
    OutboxRelay relay;

    /**
     * A submit wakes the relay after its commit, and the round it wakes publishes the job: one
     * round per job, plus the sweeps (one a second) of the time it took. A wake-up that was still
     * counted after its round used to cost a second round that found nothing.
     */
    @Test
    void aJobSubmittedAloneCostsTheRelayOneRound() throws Exception {
        // What earlier tests left due is published first, so its rounds are not counted here.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ForkyardTestResource.database()
                        .strings("SELECT job_id::text FROM job_outbox WHERE run_at <= now() AND queue NOT IN"
                                + " (SELECT name FROM queue WHERE paused OR concurrency_limit IS NOT NULL) LIMIT 1")
                        .isEmpty());
        long before = relay.rounds();
        long started = System.nanoTime();
        for (int i = 0; i < JOBS; i++) {
            String id = given().contentType("application/json")
                    .body("{\"type\":\"noop\",\"input\":{}}")
                    .post("/api/jobs")
                    .then()
                    .statusCode(202)
                    .extract()
                    .path("id");
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> ForkyardTestResource.database()
                            .strings("SELECT job_id::text FROM job_outbox WHERE job_id = ?::uuid", id)
                            .isEmpty());
        }
        long sweeps = Duration.ofNanos(System.nanoTime() - started).toSeconds() + 1;
        assertThat(relay.rounds() - before)
                .as("rounds for %d jobs submitted one after another over %d sweep(s)", JOBS, sweeps)
                .isBetween((long) JOBS, JOBS + sweeps);
    }
}
