package io.forkyard.web.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The producer every outbox relay of the web tier publishes with: {@code acks=all}, idempotent,
 * no lingering (a round is sent whole, then flushed), batches big enough for a round, and a
 * delivery timeout of {@code publish-timeout}, after which the round's rows stay in their outbox.
 */
public final class RelayProducers {

    private RelayProducers() {}

    public static KafkaProducer<String, byte[]> create(
            Map<String, Object> kafkaConfig, Duration publishTimeout, String clientId) {
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) publishTimeout.toMillis());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Sends the records, flushes, and waits until the broker acknowledged every one, within {@code
     * timeout} in all; throws IllegalStateException naming {@code what} ("job events") if one failed
     * or the time ran out (some may have gone: a caller that sends again sends them twice).
     */
    public static void sendAll(
            Producer<String, byte[]> producer,
            List<ProducerRecord<String, byte[]>> records,
            Duration timeout,
            String what) {
        List<Future<RecordMetadata>> sends = new ArrayList<>(records.size());
        records.forEach(r -> sends.add(producer.send(r)));
        producer.flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted publishing " + what, e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("the broker did not take every one of the " + what, e);
            }
        }
    }
}
