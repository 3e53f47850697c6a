package io.forkyard.web.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.messaging.TopicAdmin;
import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/** The one place that creates topics, against the real broker: its partition count takes effect. */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class TopicAdminTest {

    @Test
    void aNewTopicGetsTheConfiguredPartitions() throws Exception {
        try (Admin admin = admin()) {
            String topic = "partitions-new-" + UUID.randomUUID();

            new TopicAdmin(admin, 3).ensure(topic);

            assertThat(partitions(admin, topic)).isEqualTo(3);
        }
    }

    @Test
    void anExistingTopicWithFewerPartitionsIsGrownAndOneWithMoreIsKept() throws Exception {
        try (Admin admin = admin()) {
            String fewer = "partitions-fewer-" + UUID.randomUUID();
            String more = "partitions-more-" + UUID.randomUUID();
            admin.createTopics(List.of(new NewTopic(fewer, 1, (short) 1), new NewTopic(more, 4, (short) 1)))
                    .all()
                    .get();

            TopicAdmin topics = new TopicAdmin(admin, 2);
            topics.ensure(fewer);
            topics.ensure(more);

            // the controller has it at once; the metadata a describe reads may lag a moment
            await().atMost(Duration.ofSeconds(10)).until(() -> partitions(admin, fewer) == 2);
            assertThat(partitions(admin, more)).isEqualTo(4);
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ForkyardTestResource.broker().bootstrapServers()));
    }

    private static int partitions(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get()
                .get(topic)
                .partitions()
                .size();
    }
}
