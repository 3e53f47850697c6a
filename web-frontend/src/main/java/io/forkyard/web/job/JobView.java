package io.forkyard.web.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.Job;
import io.forkyard.job.JobStatus;
import io.forkyard.messaging.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/**
 * The job as clients see it (README "HTTP API"). {@code cancelRequested} says a cancel was asked
 * for: a QUEUED job is CANCELLED at once, a RUNNING one is stopped by its worker within a heartbeat
 * unless its attempt ends first, and then it ends as the attempt did (SUCCEEDED or FAILED), never
 * retried.
 */
public record JobView(
        UUID id,
        String type,
        String queue,
        String status,
        int attempt,
        int maxAttempts,
        int priority,
        Progress progress,
        Instant createdAt,
        Instant runAt,
        Instant startedAt,
        Instant finishedAt,
        boolean cancelRequested,
        JsonNode result,
        Error error,
        UUID batchId,
        UUID scheduleId,
        Instant scheduledFor) {

    /** How far a running job is; {@code percent} is null until it reports. */
    public record Progress(Integer percent, String message) {}

    /** Why the last attempt failed: a stable {@code code} and a message for people. */
    public record Error(String code, String message) {}

    public static JobView of(Job job) {
        return new JobView(
                job.id,
                job.type,
                job.queue,
                job.status.name(),
                job.attempt,
                job.maxAttempts,
                job.priority,
                new Progress(job.progressPercent, job.progressMessage),
                job.createdAt,
                job.runAt,
                job.startedAt,
                job.finishedAt,
                job.cancelRequested,
                parse(job.result),
                job.errorCode == null ? null : new Error(job.errorCode, job.errorMessage),
                job.batchId,
                job.scheduleId,
                job.scheduledFor);
    }

    /** A job just inserted (of batch {@code batchId}, or null): what the insert stored, without reading the row back. */
    public static JobView queued(JobCommands.NewJob job, JobCommands.Inserted inserted, UUID batchId) {
        return new JobView(
                job.id(),
                job.type(),
                job.queue(),
                JobStatus.QUEUED.name(),
                0,
                job.maxAttempts(),
                job.priority(),
                new Progress(null, null),
                inserted.createdAt(),
                inserted.runAt(),
                null,
                null,
                false,
                null,
                null,
                batchId,
                null,
                null);
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Override
    public JsonNode result() {
        return result;
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
