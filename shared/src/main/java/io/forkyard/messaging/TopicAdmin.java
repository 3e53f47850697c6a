package io.forkyard.messaging;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the topics Forkyard uses, once per process and name. The broker's auto-creation would
 * give one partition; queue topics get the configured count. Thread-safe.
 */
public final class TopicAdmin {

    private static final long TIMEOUT_SECONDS = 10;

    private final Admin admin;
    private final int partitions;
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    public TopicAdmin(Admin admin, int partitions) {
        this.admin = admin;
        this.partitions = partitions;
    }

    /** Makes sure {@code topic} exists; returns it. Throws when the broker can't be reached. */
    public String ensure(String topic) {
        if (known.contains(topic)) {
            return topic;
        }
        try {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create topic " + topic + ": " + e.getCause(), e);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic " + topic, e);
        }
        known.add(topic);
        return topic;
    }

    /**
     * Makes a share group start from the earliest offset, so records published before its first
     * consumer joined are delivered too (a share group starts at the latest offset by default).
     */
    public void startShareGroupAtEarliest(String group) {
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
