package io.forkyard.web.dispatch;

import io.forkyard.db.Jdbc;
import io.forkyard.messaging.DeadLetter;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes the dead-letter outbox (table {@code dead_letter}: jobs that failed for good, written
 * by a trigger with the failure; records no worker could read, written by the worker before it
 * rejected them) to the dead-letter topic. A round takes the oldest letters, deletes them, sends
 * them and commits only once the broker acknowledged every one; otherwise it rolls back and the
 * letters wait for the next round. Several web processes share the work ({@code SKIP LOCKED}).
 * At least once: a crash between the acknowledgement and the commit sends a letter again.
 */
final class DeadLetterRelay {

    static final String TAKE = """
            DELETE FROM dead_letter
             WHERE id IN (SELECT id FROM dead_letter ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
            RETURNING reason, job_id, job_type, error_code, error_message, source_topic, record_key, record_value
            """;

    private final DataSource dataSource;
    private final Producer<String, byte[]> producer;
    private final QueueTopics topics;
    private final String topicPrefix;
    private final int batchSize;
    private final Duration publishTimeout;

    DeadLetterRelay(
            DataSource dataSource,
            Producer<String, byte[]> producer,
            QueueTopics topics,
            String topicPrefix,
            int batchSize,
            Duration publishTimeout) {
        this.dataSource = dataSource;
        this.producer = producer;
        this.topics = topics;
        this.topicPrefix = topicPrefix;
        this.batchSize = batchSize;
        this.publishTimeout = publishTimeout;
    }

    /** Publishes one round; returns how many letters it sent. Throws, changing nothing, if one failed. */
    int publishRound() throws SQLException {
        return Jdbc.inTransaction(dataSource, c -> {
            List<ProducerRecord<String, byte[]>> letters = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(TAKE)) {
                s.setInt(1, batchSize);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        letters.add(letter(rs));
                    }
                }
            }
            if (letters.isEmpty()) {
                return 0;
            }
            topics.ensureDeadLetters();
            RelayProducers.sendAll(producer, letters, publishTimeout, "dead letters");
            return letters.size();
        });
    }

    private ProducerRecord<String, byte[]> letter(ResultSet rs) throws SQLException {
        if (DeadLetter.JOB_FAILED.equals(rs.getString("reason"))) {
            return DeadLetter.jobFailed(
                    topicPrefix,
                    rs.getObject("job_id", UUID.class),
                    rs.getString("job_type"),
                    rs.getString("error_code"),
                    rs.getString("error_message"));
        }
        return DeadLetter.unreadable(
                topicPrefix,
                rs.getString("source_topic"),
                rs.getString("record_key"),
                rs.getBytes("record_value"),
                rs.getString("error_message"));
    }
}
