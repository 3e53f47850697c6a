package io.forkyard.web.dispatch;

import io.forkyard.messaging.TopicAdmin;
import io.forkyard.messaging.Topics;
import io.forkyard.web.WebConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The topics the web tier publishes to, created on first use: the one place that creates topics
 * ({@link TopicAdmin}), with {@code dispatcher.topic-partitions}.
 */
@ApplicationScoped
public class QueueTopics {

    @Inject
    WebConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private Admin admin;
    private TopicAdmin topics;

    /**
     * The topic of {@code queue} for a job of {@code priority} (its urgent topic from {@link
     * Topics#URGENT_PRIORITY}). Both of the queue's topics are created together, if they do not
     * exist yet, so a worker's urgent fetcher is on its topic before the first urgent job comes.
     */
    public String ensure(String queue, int priority) {
        String normal = admin().ensure(Topics.queue(config.topicPrefix(), queue));
        String urgent = admin().ensure(Topics.urgentQueue(config.topicPrefix(), queue));
        return priority >= Topics.URGENT_PRIORITY ? urgent : normal;
    }

    /** The dead-letter topic, created if it does not exist yet. */
    public String ensureDeadLetters() {
        return admin().ensure(Topics.deadLetters(config.topicPrefix()));
    }

    /**
     * The job events topic, created if it does not exist yet, keeping records for {@code
     * events.topic-retention} (readers start at the latest offset and resume from PostgreSQL, so
     * older records serve nobody).
     */
    public String ensureEvents() {
        String retention = Long.toString(config.events().topicRetention().toMillis());
        return admin().ensure(
                        Topics.events(config.topicPrefix()),
                        Map.of(TopicConfig.RETENTION_MS_CONFIG, retention, TopicConfig.SEGMENT_MS_CONFIG, retention));
    }

    private synchronized TopicAdmin admin() {
        if (topics == null) {
            Map<String, Object> props = new HashMap<>(kafkaConfig);
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "forkyard-web-admin");
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
            admin = Admin.create(props);
            topics = new TopicAdmin(admin, config.dispatcher().topicPartitions());
        }
        return topics;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
