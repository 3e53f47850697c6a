package io.forkyard.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;

/**
 * One message between the worker and a child, one JSON object per line on the child's stdin or
 * stdout. Every frame but {@code ready} echoes the request id. The child writes nothing else on
 * stdout; logs go to stderr.
 *
 * <ul>
 *   <li>{@code ready} (child → worker, once at start): {@code pid}.
 *   <li>{@code request} (worker → child): {@code id}, {@code type}, {@code input}.
 *   <li>{@code progress} (child → worker, any number): {@code id}, {@code percent}, {@code message}.
 *   <li>{@code result} (child → worker, ends the request): {@code id}, {@code result}.
 *   <li>{@code error} (child → worker, ends the request): {@code id}, {@code code}, {@code message},
 *       and optionally {@code retryable}: whether another attempt can succeed. Without it the
 *       code's own default applies ({@link io.forkyard.job.FailureCode#retryable()}).
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Frame(
        String kind,
        String id,
        String type,
        JsonNode input,
        Integer percent,
        String message,
        JsonNode result,
        String code,
        Boolean retryable,
        Long pid) {

    public static final String READY = "ready";
    public static final String REQUEST = "request";
    public static final String PROGRESS = "progress";
    public static final String RESULT = "result";
    public static final String ERROR = "error";

    public static Frame ready(long pid) {
        return new Frame(READY, null, null, null, null, null, null, null, null, pid);
    }

    public static Frame request(String id, String type, JsonNode input) {
        return new Frame(REQUEST, id, type, input, null, null, null, null, null, null);
    }

    public static Frame progress(String id, int percent, String message) {
        return new Frame(PROGRESS, id, null, null, percent, message, null, null, null, null);
    }

    public static Frame result(String id, JsonNode result) {
        return new Frame(RESULT, id, null, null, null, null, result, null, null, null);
    }

    public static Frame error(String id, FailureCode code, String message, boolean retryable) {
        return new Frame(ERROR, id, null, null, null, message, null, code.name(), retryable, null);
    }

    /** Whether this frame ends its request. */
    public boolean isFinal() {
        return RESULT.equals(kind) || ERROR.equals(kind);
    }
}
