package io.forkyard.worker.intake;

import io.forkyard.db.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Records whose value is not a job dispatch, kept as they were in the dead-letter outbox (table
 * {@code dead_letter}, published by the web tier's relay). The fetcher rejects such a record only
 * after this insert has committed, so none is lost to a database outage.
 */
final class UnreadableRecords {

    static final String INSERT = """
            INSERT INTO dead_letter (reason, source_topic, record_key, record_value, error_message)
            SELECT 'unreadable-record', * FROM unnest(?::text[], ?::text[], ?::bytea[], ?::text[])
            """;

    /** The length of the column the problem goes to. */
    private static final int MAX_MESSAGE = 4000;

    /** A record and why it can't be read. */
    record Unreadable(ConsumerRecord<String, byte[]> record, String problem) {}

    private UnreadableRecords() {}

    static void insert(Connection connection, List<Unreadable> unreadable) throws SQLException {
        int n = unreadable.size();
        String[] topics = new String[n];
        String[] keys = new String[n];
        byte[][] values = new byte[n][];
        String[] problems = new String[n];
        for (int i = 0; i < n; i++) {
            ConsumerRecord<String, byte[]> r = unreadable.get(i).record();
            topics[i] = r.topic();
            keys[i] = Jdbc.fit(r.key(), Integer.MAX_VALUE);
            values[i] = r.value();
            problems[i] = Jdbc.fit(unreadable.get(i).problem(), MAX_MESSAGE);
        }
        try (PreparedStatement s = connection.prepareStatement(INSERT)) {
            s.setArray(1, connection.createArrayOf("text", topics));
            s.setArray(2, connection.createArrayOf("text", keys));
            s.setArray(3, connection.createArrayOf("bytea", values));
            s.setArray(4, connection.createArrayOf("text", problems));
            s.executeUpdate();
        }
    }
}
