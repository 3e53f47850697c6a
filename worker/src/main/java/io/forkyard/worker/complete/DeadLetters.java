package io.forkyard.worker.complete;

import io.forkyard.job.FailureCode;
import io.forkyard.messaging.DeadLetter;
import io.forkyard.messaging.DeadLetterPublisher;
import io.forkyard.worker.WorkerConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;

/**
 * The worker's dead letters: jobs that failed for good, and records that could not be read at
 * all, as {@link DeadLetter} records them. Headers name the reason ({@code forkyard.reason}, {@code
 * forkyard.error-code}) and where a record came from. Best effort, never blocking the completer or
 * the intake ({@link DeadLetterPublisher}).
 */
@ApplicationScoped
public class DeadLetters {

    @Inject
    WorkerConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private DeadLetterPublisher publisher;

    @PostConstruct
    void init() {
        publisher = new DeadLetterPublisher(kafkaConfig, "forkyard-dead-letters");
    }

    /** A job that used up its attempts or failed with a non-retryable error. */
    public void jobFailed(UUID jobId, String type, FailureCode code, String message) {
        publisher.publish(DeadLetter.jobFailed(config.topicPrefix(), jobId, type, code.name(), message));
    }

    /** A record whose value is not a job dispatch; kept as it was. */
    public void unreadable(String topic, String key, byte[] value, String problem) {
        publisher.publish(DeadLetter.unreadable(config.topicPrefix(), topic, key, value, problem));
    }

    @PreDestroy
    void close() {
        publisher.close();
    }
}
