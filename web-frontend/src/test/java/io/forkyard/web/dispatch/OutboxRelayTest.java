package io.forkyard.web.dispatch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Topics;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.TopicRecords;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What the outbox relay does for a job submitted alone (issue 22, "The wake-ups"), and for several (envelopes). */
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

    /**
     * A round that finds several due jobs of one queue packs them into envelopes (DESIGN.md "Data
     * flow" 2): a batch of 10 noop and 2 sha256 jobs and an urgent one, committed together, goes out
     * as noop records of 4, 4 and 2 jobs and one sha256 record of 2, each job once, and the urgent
     * job alone on its urgent topic.
     */
    @Test
    void aRoundPacksDueJobsOfOneQueueAndTypeIntoEnvelopes() throws Exception {
        String queue = ForkyardTestResource.database()
                .declareQueue("envelope-" + UUID.randomUUID().toString().substring(0, 8));
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 10; i++) {
            batch.append("{\"type\":\"noop\",\"input\":{},\"queue\":\"")
                    .append(queue)
                    .append("\"},");
        }
        for (int i = 0; i < 2; i++) {
            batch.append("{\"type\":\"sha256\",\"input\":{\"text\":\"x\",\"rounds\":1},\"queue\":\"")
                    .append(queue)
                    .append("\"},");
        }
        batch.append("{\"type\":\"noop\",\"input\":{},\"queue\":\"")
                .append(queue)
                .append("\",\"priority\":9}]");
        List<String> ids = given().contentType("application/json")
                .body(batch.toString())
                .post("/api/jobs/batch")
                .then()
                .statusCode(202)
                .extract()
                .jsonPath()
                .getList("id");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> ForkyardTestResource.database()
                        .strings("SELECT job_id::text FROM job_outbox WHERE queue = ?", queue)
                        .isEmpty());

        String servers = ForkyardTestResource.broker().bootstrapServers();
        String prefix = ForkyardTestResource.topicPrefix();
        Map<String, List<Integer>> sizes = new TreeMap<>();
        List<String> published = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : TopicRecords.readToEnd(servers, Topics.queue(prefix, queue))) {
            JobDispatch dispatch = TopicRecords.dispatch(record);
            assertThat(record.key()).isEqualTo(dispatch.jobId().toString());
            sizes.computeIfAbsent(dispatch.type(), t -> new ArrayList<>())
                    .add(dispatch.jobIds().size());
            dispatch.jobIds().forEach(id -> published.add(id.toString()));
        }
        sizes.values().forEach(list -> list.sort(Comparator.reverseOrder()));
        assertThat(sizes).isEqualTo(Map.of("noop", List.of(4, 4, 2), "sha256", List.of(2)));
        assertThat(published).containsExactlyInAnyOrderElementsOf(ids.subList(0, 12));
        assertThat(TopicRecords.countByKey(servers, Topics.urgentQueue(prefix, queue)))
                .as("the urgent job, alone")
                .isEqualTo(Map.of(ids.get(12), 1));
        assertThat(TopicRecords.dispatch(TopicRecords.readToEnd(servers, Topics.urgentQueue(prefix, queue))
                                .get(0))
                        .more())
                .isEmpty();
    }
}
