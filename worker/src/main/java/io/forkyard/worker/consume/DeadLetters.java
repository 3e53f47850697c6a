package io.forkyard.worker.consume;

import io.forkyard.messaging.DeadLetter;
import io.forkyard.worker.WorkerConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Publishes to the dead-letter topic: jobs that failed for good, and records that could not be
 * read at all, as {@link DeadLetter} records them. Headers name the reason ({@code forkyard.reason},
 * {@code forkyard.error-code}) and
 * where a record came from. Best effort: the job row stays the source of truth.
 */
@ApplicationScoped
public class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    @Inject
    WorkerConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private KafkaProducer<String, byte[]> producer;

    /** A job that used up its attempts or failed with a non-retryable error. */
    public void jobFailed(UUID jobId, String type, String code, String message) {
        send(DeadLetter.jobFailed(config.topicPrefix(), jobId, type, code, message));
    }

    /** A record whose value is not a job dispatch; kept as it was. */
    public void unreadable(String topic, String key, byte[] value, String problem) {
        send(DeadLetter.unreadable(config.topicPrefix(), topic, key, value, problem));
    }

    private void send(ProducerRecord<String, byte[]> record) {
        try {
            producer().send(record).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("could not publish %s to the dead-letter topic: %s", record.key(), e.toString());
        }
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> props = new HashMap<>(kafkaConfig);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "forkyard-dead-letters");
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
