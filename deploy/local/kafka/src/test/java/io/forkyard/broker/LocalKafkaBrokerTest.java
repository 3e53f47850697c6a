package io.forkyard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaBrokerTest {

    private static final String TOPIC = "kept";

    /**
     * Records acknowledged before a clean stop and before a SIGKILL are all there after each restart
     * on the same data directory, in order, for a consumer that never saw them.
     */
    @Test
    void brokerKeepsItsRecordsAcrossACleanStopAndAKill(@TempDir Path dir) throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("kafka"))) {
            String clusterId = Files.readString(broker.dataDir().resolve("cluster.id"));
            createTopic(broker);
            List<String> sent = new ArrayList<>(produce(broker, "before-stop", 50));

            broker.close();
            assertThat(broker.isAlive()).isFalse();
            assertThat(accepts(broker)).isFalse();
            broker.restart();
            assertThat(consumeAll(broker, sent.size())).containsExactlyElementsOf(sent);

            sent.addAll(produce(broker, "before-kill", 50));
            broker.kill();
            assertThat(broker.isAlive()).isFalse();
            assertThat(accepts(broker)).isFalse();
            broker.restart();

            assertThat(consumeAll(broker, sent.size())).containsExactlyElementsOf(sent);
            assertThat(Files.readString(broker.dataDir().resolve("cluster.id"))).isEqualTo(clusterId);
        }
    }

    private static void createTopic(LocalKafkaBroker broker) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
    }

    /** Sends {@code n} records and waits for every acknowledgement (acks=all); returns their values. */
    private static List<String> produce(LocalKafkaBroker broker, String tag, int n) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                String value = tag + "-" + i;
                producer.send(new ProducerRecord<>(TOPIC, value)).get();
                values.add(value);
            }
        }
        return values;
    }

    /** Every record of the topic from the start, read by a new group, until {@code expected} or 60 s. */
    private static List<String> consumeAll(LocalKafkaBroker broker, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    seen.add(r.value());
                }
            }
            // anything beyond what was sent would show up here too
            consumer.poll(Duration.ofMillis(500)).forEach(r -> seen.add(r.value()));
        }
        return seen;
    }

    private static boolean accepts(LocalKafkaBroker broker) {
        String[] hostPort = broker.bootstrapServers().split(":");
        try (Socket ignored = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
