package io.forkyard.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Records for the dead-letter topic, built by the web tier's relay from the dead-letter outbox
 * (table {@code dead_letter}): a job that failed for good, or a record no worker could read. The
 * key is the job id (or the record's key); headers name the reason; the value is the job's
 * dispatch record, or the unreadable record's value as it was.
 */
public final class DeadLetter {

    public static final String REASON = "forkyard.reason";
    public static final String JOB_TYPE = "forkyard.job-type";
    public static final String ERROR_CODE = "forkyard.error-code";
    public static final String ERROR_MESSAGE = "forkyard.error-message";
    public static final String SOURCE_TOPIC = "forkyard.source-topic";

    /** {@link #REASON} of a job that used up its attempts or failed with a non-retryable error. */
    public static final String JOB_FAILED = "job-failed";
    /** {@link #REASON} of a record whose value is not a job dispatch. */
    public static final String UNREADABLE_RECORD = "unreadable-record";

    private DeadLetter() {}

    public static ProducerRecord<String, byte[]> jobFailed(
            String topicPrefix, UUID jobId, String type, String code, String message) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, REASON, JOB_FAILED);
        add(headers, JOB_TYPE, type);
        add(headers, ERROR_CODE, code);
        add(headers, ERROR_MESSAGE, message);
        byte[] value = Json.toBytes(new JobDispatch(jobId, type, Instant.now()));
        return new ProducerRecord<>(Topics.deadLetters(topicPrefix), null, jobId.toString(), value, headers);
    }

    public static ProducerRecord<String, byte[]> unreadable(
            String topicPrefix, String sourceTopic, String key, byte[] value, String problem) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, REASON, UNREADABLE_RECORD);
        add(headers, SOURCE_TOPIC, sourceTopic);
        add(headers, ERROR_MESSAGE, problem);
        return new ProducerRecord<>(Topics.deadLetters(topicPrefix), null, key, value, headers);
    }

    private static void add(RecordHeaders headers, String name, String value) {
        headers.add(name, (value == null ? "" : value).getBytes(StandardCharsets.UTF_8));
    }
}
