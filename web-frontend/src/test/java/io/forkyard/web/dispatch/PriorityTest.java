package io.forkyard.web.dispatch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.forkyard.messaging.Topics;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.TopicRecords;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Priorities (README "Priorities"): a job of priority 5 or more goes to its queue's urgent topic, the
 * others to the queue's topic; a priority out of 0–9 is a 422 naming it, and nothing is written.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class PriorityTest {

    @Test
    void anUrgentJobIsPublishedToItsQueuesUrgentTopic() {
        String queue = ForkyardTestResource.database()
                .declareQueue("prio-" + UUID.randomUUID().toString().substring(0, 8));
        List<String> ids = given().contentType("application/json")
                .body("[{\"type\":\"noop\",\"input\":{},\"queue\":\"" + queue + "\"},"
                        + "{\"type\":\"noop\",\"input\":{},\"queue\":\"" + queue + "\",\"priority\":4},"
                        + "{\"type\":\"noop\",\"input\":{},\"queue\":\"" + queue + "\",\"priority\":5},"
                        + "{\"type\":\"noop\",\"input\":{},\"queue\":\"" + queue + "\",\"priority\":9}]")
                .post("/api/jobs/batch")
                .then()
                .statusCode(202)
                .extract()
                .jsonPath()
                .getList("id");
        given().get("/api/jobs/" + ids.get(3)).then().body("priority", equalTo(9));

        String bootstrap = ForkyardTestResource.broker().bootstrapServers();
        String prefix = ForkyardTestResource.topicPrefix();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> TopicRecords.countByKey(bootstrap, Topics.urgentQueue(prefix, queue))
                                .size()
                        == 2);
        Map<String, Integer> urgent = TopicRecords.countByKey(bootstrap, Topics.urgentQueue(prefix, queue));
        Map<String, Integer> normal = TopicRecords.countByJob(bootstrap, Topics.queue(prefix, queue));
        assertThat(urgent).containsOnlyKeys(ids.get(2), ids.get(3));
        assertThat(normal).containsOnlyKeys(ids.get(0), ids.get(1));
    }

    @Test
    void aPriorityOutOfRangeIs422NamingItAndWritesNothing() throws Exception {
        long before = traced();
        for (String priority : List.of("10", "-1", "2.5", "\"high\"")) {
            given().contentType("application/json")
                    .body("{\"type\":\"noop\",\"input\":{},\"queue\":\"traced\",\"priority\":" + priority + "}")
                    .post("/api/jobs")
                    .then()
                    .statusCode(422)
                    .body("errors.field", equalTo(List.of("priority")));
        }
        assertThat(traced()).isEqualTo(before);
    }

    private static long traced() throws Exception {
        try (var c = ForkyardTestResource.database().connect();
                var s = c.prepareStatement("SELECT count(*) FROM job WHERE queue = 'traced'");
                var rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
