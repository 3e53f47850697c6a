package io.forkyard.messaging;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the topics Forkyard uses, once per process and name, with one partition count. The web
 * tier sizes topics (every queue topic before it first publishes to it, and the dead-letter
 * topic), with its {@code dispatcher.topic-partitions} and the broker's {@code
 * default.replication.factor} (1 on the local broker, 3 in the Kubernetes prod overlay). A worker
 * only makes its queues' topics exist before it subscribes ({@link #createMissing}, with one
 * partition, which the web tier then grows): a share consumer subscribed to a topic that
 * does not exist yet finds it only by metadata retries and a new assignment once it is made, so a
 * queue's first jobs waited seconds; it was also what every record lock that ran out in issue 21's
 * runs had in common. The broker's auto-creation stays off. Thread-safe.
 */
public final class TopicAdmin {

    private static final Logger LOG = Logger.getLogger(TopicAdmin.class);
    private static final long TIMEOUT_SECONDS = 10;

    private final Admin admin;
    private final int partitions;
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    public TopicAdmin(Admin admin, int partitions) {
        this.admin = admin;
        this.partitions = partitions;
    }

    /**
     * Makes sure {@code topic} exists with at least the configured partitions, adding partitions to
     * a topic that has fewer (a topic never loses partitions); returns it. Throws when the broker
     * can't be reached.
     */
    public String ensure(String topic) {
        return ensure(topic, Map.of());
    }

    /**
     * As {@link #ensure(String)}, with topic settings ({@code retention.ms}, ...): a new topic is
     * made with them, an existing one is given them.
     */
    public String ensure(String topic, Map<String, String> configs) {
        if (known.contains(topic)) {
            return topic;
        }
        try {
            try {
                admin.createTopics(List.of(
                                new NewTopic(topic, Optional.of(partitions), Optional.empty()).configs(configs)))
                        .all()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                LOG.infof("created topic %s with %d partition(s)", topic, partitions);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("could not create topic " + topic + ": " + e.getCause(), e);
                }
                growToConfigured(topic);
                if (!configs.isEmpty()) {
                    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                    List<AlterConfigOp> set = configs.entrySet().stream()
                            .map(c -> new AlterConfigOp(
                                    new ConfigEntry(c.getKey(), c.getValue()), AlterConfigOp.OpType.SET))
                            .toList();
                    admin.incrementalAlterConfigs(Map.of(resource, set)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + topic, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not describe or grow topic " + topic + ": " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic " + topic, e);
        }
        known.add(topic);
        return topic;
    }

    /** The partitions of an existing topic, raised to the configured count if it has fewer. */
    private void growToConfigured(String topic) throws ExecutionException, InterruptedException, TimeoutException {
        int existing = admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .get(topic)
                .partitions()
                .size();
        if (existing < partitions) {
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(partitions)))
                    .all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            LOG.infof("topic %s had %d partition(s); now %d", topic, existing, partitions);
        } else if (existing > partitions) {
            LOG.warnf(
                    "topic %s has %d partitions, more than the configured %d; Kafka can't remove partitions, so it keeps them",
                    topic, existing, partitions);
        }
    }

    /**
     * Creates those of {@code topics} that do not exist, with one partition (a queue topic's default;
     * the web tier grows it to its {@code dispatcher.topic-partitions}, never the broker's {@code
     * num.partitions}) and the broker's replication; existing topics are left as they are. Throws
     * when the broker can't be reached.
     */
    public static void createMissing(Admin admin, Collection<String> topics) {
        List<NewTopic> missing = topics.stream()
                .map(t -> new NewTopic(t, Optional.of(1), Optional.empty()))
                .toList();
        try {
            for (Map.Entry<String, KafkaFuture<Void>> created :
                    admin.createTopics(missing).values().entrySet()) {
                try {
                    created.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    LOG.infof("created topic %s with 1 partition", created.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(
                                "could not create topic " + created.getKey() + ": " + e.getCause(), e);
                    }
                }
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topics " + topics, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topics " + topics, e);
        }
    }

    /**
     * Makes a share group start from the earliest offset, so records published before its first
     * consumer joined are delivered too (a share group starts at the latest offset by default).
     */
    public static void startShareGroupAtEarliest(Admin admin, String group) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        AlterConfigOp set =
                new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET);
        try {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(set))).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not configure share group " + group + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted configuring share group " + group, e);
        }
    }
}
