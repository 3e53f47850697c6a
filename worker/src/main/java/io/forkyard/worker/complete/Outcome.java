package io.forkyard.worker.complete;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.job.FailureCode;
import io.forkyard.worker.pool.ChildOutcome;
import io.forkyard.worker.run.HeldJob;
import java.util.Optional;

/**
 * How an attempt ended, as the completer writes it: SUCCEEDED with a result, FAILED with a code
 * (then QUEUED again for a retry or FAILED for good, decided in the database), CANCELLED, or
 * RELEASED: handed back without spending the attempt (shutdown, or a buffered job given to an idle
 * worker).
 *
 * <p>A result object with {@code contentType} and {@code base64} (an image job's PNG) keeps its
 * other fields as JSON, and its bytes go to their own column, served raw at {@code
 * /api/jobs/{id}/result}; the database decodes the base64. A string {@code jsonb} can't hold is
 * kept as its bytes ({@link StorableJson}).
 */
public record Outcome(
        HeldJob job,
        Kind kind,
        String resultJson,
        String resultBase64,
        String contentType,
        FailureCode code,
        String message,
        boolean retryable) {

    /** What the attempt's row becomes. */
    public enum Kind {
        SUCCEEDED,
        FAILED,
        CANCELLED,
        RELEASED
    }

    public static Outcome succeeded(HeldJob job, JsonNode childResult) {
        JsonNode result = StorableJson.of(childResult);
        if (result instanceof ObjectNode object
                && object.path("base64").isTextual()
                && object.path("contentType").isTextual()) {
            ObjectNode json = object.deepCopy();
            String base64 = json.remove("base64").asText();
            return new Outcome(
                    job,
                    Kind.SUCCEEDED,
                    json.toString(),
                    base64,
                    json.get("contentType").asText(),
                    null,
                    null,
                    false);
        }
        String json = result == null || result.isNull() ? "{}" : result.toString();
        return new Outcome(job, Kind.SUCCEEDED, json, null, null, null, null, false);
    }

    public static Outcome failed(HeldJob job, FailureCode code, String message, boolean retryable) {
        return new Outcome(job, Kind.FAILED, null, null, null, code, message, retryable);
    }

    public static Outcome cancelled(HeldJob job) {
        String message = job.startedAt() == null ? "cancelled before it started" : "cancelled while running";
        return new Outcome(job, Kind.CANCELLED, null, null, null, FailureCode.CANCELLED, message, false);
    }

    /** Handed back to the queue: the attempt is not spent, the job is published again at once. */
    public static Outcome released(HeldJob job) {
        return new Outcome(job, Kind.RELEASED, null, null, null, null, null, false);
    }

    /**
     * The outcome to write for what a child (or an I/O job) reported, or empty when nothing may be
     * written: a job stopped because its lease was lost belongs to someone else now.
     */
    public static Optional<Outcome> of(HeldJob job, ChildOutcome outcome) {
        if (outcome instanceof ChildOutcome.Success s) {
            return Optional.of(succeeded(job, s.result()));
        }
        if (outcome instanceof ChildOutcome.Failure f) {
            return Optional.of(failed(job, f.code(), f.message(), f.retryable()));
        }
        HeldJob.StopReason reason = job.stopReason();
        if (reason == HeldJob.StopReason.CANCELLED) {
            return Optional.of(cancelled(job));
        }
        if (reason == HeldJob.StopReason.SHUTDOWN) {
            return Optional.of(released(job));
        }
        return Optional.empty();
    }

    /** The word in metrics and logs: the kind, or the failure's code. */
    public String tag() {
        return kind == Kind.FAILED ? code.name() : kind.name();
    }
}
