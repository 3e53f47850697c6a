package io.forkyard.web.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.messaging.DeadLetter;
import io.forkyard.messaging.Topics;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.TopicRecords;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter outbox against a real broker and database: the failure writes the letter in its
 * own transaction (a trigger), and the web tier's relay publishes it and only then deletes it.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class DeadLetterRelayTest {

    @Test
    void aJobWhoseLastLeaseExpiresIsFailedAndItsDeadLetterPublished() throws Exception {
        // A worker claimed the last attempt, then died: its lease is long gone.
        UUID id = UUID.randomUUID();
        sql(
                "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds)"
                        + " VALUES (?, 'noop', 'lease-gone', 'QUEUED', '{}'::jsonb, 1, 30)",
                id);
        sql(
                "UPDATE job SET status = 'RUNNING', attempt = 1, lease_token = gen_random_uuid(),"
                        + " lease_owner = 'gone', lease_expires_at = now() - interval '1 minute' WHERE id = ?",
                id);

        ConsumerRecord<String, byte[]> letter = awaitLetter(id.toString());

        assertThat(header(letter, DeadLetter.REASON)).isEqualTo(DeadLetter.JOB_FAILED);
        assertThat(header(letter, DeadLetter.ERROR_CODE)).isEqualTo("LEASE_EXPIRED");
        assertThat(header(letter, DeadLetter.JOB_TYPE)).isEqualTo("noop");
        assertThat(status(id)).isEqualTo("FAILED");
        await().atMost(Duration.ofSeconds(10)).until(() -> lettersLeft() == 0);
    }

    @Test
    void anUnreadableRecordLetterIsPublishedWithItsValueAsItWas() throws Exception {
        String key = "unreadable-" + UUID.randomUUID();
        byte[] value = {'x', 0, (byte) 0xFF};
        sql(
                "INSERT INTO dead_letter (reason, source_topic, record_key, record_value, error_message)"
                        + " VALUES ('unreadable-record', 'forkyard.jobs.somewhere', ?, ?, 'not a dispatch')",
                key,
                value);

        ConsumerRecord<String, byte[]> letter = awaitLetter(key);

        assertThat(letter.value()).isEqualTo(value);
        assertThat(header(letter, DeadLetter.REASON)).isEqualTo(DeadLetter.UNREADABLE_RECORD);
        assertThat(header(letter, DeadLetter.SOURCE_TOPIC)).isEqualTo("forkyard.jobs.somewhere");
        assertThat(header(letter, DeadLetter.ERROR_MESSAGE)).isEqualTo("not a dispatch");
        await().atMost(Duration.ofSeconds(10)).until(() -> lettersLeft() == 0);
    }

    /** The letter with this key, read from the start of the dead-letter topic; fails after 30 s. */
    private static ConsumerRecord<String, byte[]> awaitLetter(String key) {
        String topic = Topics.deadLetters(ForkyardTestResource.topicPrefix());
        String servers = ForkyardTestResource.broker().bootstrapServers();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> TopicRecords.lastByKey(servers, topic).containsKey(key));
        return TopicRecords.lastByKey(servers, topic).get(key);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static String status(UUID id) throws Exception {
        return (String) one("SELECT status FROM job WHERE id = ?", id);
    }

    private static long lettersLeft() throws Exception {
        return (Long) one("SELECT count(*) FROM dead_letter", null);
    }

    private static Object one(String sql, Object param) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            if (param != null) {
                s.setObject(1, param);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getObject(1);
            }
        }
    }

    private static void sql(String sql, Object... params) throws Exception {
        ForkyardTestResource.database().update(sql, params);
    }
}
