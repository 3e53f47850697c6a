package io.forkyard.worker.child;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs one job type inside a child process. Found by {@link java.util.ServiceLoader} through
 * {@code META-INF/services/io.forkyard.worker.child.ChildHandler}. Runs with the child's small
 * heap and no access to the worker's configuration or secrets.
 */
public interface ChildHandler {

    /** The job type name this handler runs, as in the catalogue. */
    String type();

    /**
     * Runs the job and returns its result. Throw {@link JobFailure} for a failure with a stable
     * code; anything else is reported as {@code JOB_ERROR}.
     */
    JsonNode handle(JsonNode input, Progress progress) throws Exception;

    /** Reports progress; throttled by the child, so call it as often as convenient. */
    interface Progress {
        void report(int percent, String message);
    }
}
