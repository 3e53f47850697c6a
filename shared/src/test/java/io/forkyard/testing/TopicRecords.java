package io.forkyard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a whole topic, from its first offset to its end at the time of the call, with a plain
 * consumer of its own (no group: it takes no records from the workers' share group). A queue
 * topic's key is its (first) job's id; {@link #countByJob} counts how often each job was published.
 */
public final class TopicRecords {

    private static final ObjectMapper PLAIN_JSON = new ObjectMapper();

    private TopicRecords() {}

    /** Records per key in {@code topic}; empty when the topic does not exist. */
    public static Map<String, Integer> countByKey(String bootstrapServers, String topic) {
        Map<String, Integer> counts = new HashMap<>();
        readToEnd(bootstrapServers, topic).forEach(r -> counts.merge(r.key(), 1, Integer::sum));
        return counts;
    }

    /**
     * How often each job was published to the queue topic {@code topic}, by job id, whether alone or
     * in an envelope of several ({@link JobDispatch}); empty when the topic does not exist.
     */
    public static Map<String, Integer> countByJob(String bootstrapServers, String topic) {
        Map<String, Integer> counts = new HashMap<>();
        readToEnd(bootstrapServers, topic).forEach(r -> jobIds(r).forEach(id -> counts.merge(id, 1, Integer::sum)));
        return counts;
    }

    /**
     * The ids of the jobs a queue topic's record carries, read as plain JSON (the end-to-end tests
     * have no {@code java.time} module for {@link #dispatch}'s {@code dispatchedAt}).
     */
    public static List<String> jobIds(ConsumerRecord<String, byte[]> record) {
        try {
            JsonNode value = PLAIN_JSON.readTree(record.value());
            List<String> ids = new ArrayList<>();
            ids.add(value.path("jobId").asText());
            value.path("more").forEach(m -> ids.add(m.path("jobId").asText()));
            return ids;
        } catch (IOException e) {
            throw new AssertionError("not a job dispatch: " + record, e);
        }
    }

    /** The job dispatch a queue topic's record carries. */
    public static JobDispatch dispatch(ConsumerRecord<String, byte[]> record) {
        try {
            return Json.fromBytes(record.value(), JobDispatch.class);
        } catch (IOException e) {
            throw new AssertionError("not a job dispatch: " + record, e);
        }
    }

    /** The last record of each key in {@code topic}; empty when the topic does not exist. */
    public static Map<String, ConsumerRecord<String, byte[]>> lastByKey(String bootstrapServers, String topic) {
        Map<String, ConsumerRecord<String, byte[]>> last = new HashMap<>();
        readToEnd(bootstrapServers, topic).forEach(r -> last.put(r.key(), r));
        return last;
    }

    /** Every record in {@code topic}, in offset order per partition; empty when it does not exist. */
    public static List<ConsumerRecord<String, byte[]>> readToEnd(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos == null || infos.isEmpty()) {
                return records;
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end + " within 30 s");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        records.add(r);
                    }
                }
            }
        }
        return records;
    }
}
