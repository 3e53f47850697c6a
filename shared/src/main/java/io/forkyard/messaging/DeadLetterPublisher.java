package io.forkyard.messaging;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Publishes {@link DeadLetter} records, best effort and never blocking the caller: sends run on a
 * thread of their own (a producer waiting for a broker that is down blocks nobody), and a send that
 * fails is logged. The job row stays the source of truth. The producer is created on first use.
 */
public final class DeadLetterPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DeadLetterPublisher.class);

    private final Map<String, Object> kafkaConfig;
    private final String clientId;
    private final ExecutorService sender;
    private KafkaProducer<String, byte[]> producer;

    public DeadLetterPublisher(Map<String, Object> kafkaConfig, String clientId) {
        this.kafkaConfig = kafkaConfig;
        this.clientId = clientId;
        this.sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, clientId);
            t.setDaemon(true);
            return t;
        });
    }

    public void publish(ProducerRecord<String, byte[]> record) {
        sender.execute(() -> {
            try {
                producer().send(record, (metadata, error) -> {
                    if (error != null) {
                        LOG.warnf("could not publish %s to the dead-letter topic: %s", record.key(), error.toString());
                    }
                });
            } catch (RuntimeException e) {
                LOG.warnf("could not publish %s to the dead-letter topic: %s", record.key(), e.toString());
            }
        });
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> props = new HashMap<>(kafkaConfig);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Sends what is queued (for a few seconds at most), then closes the producer. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
        }
    }
}
