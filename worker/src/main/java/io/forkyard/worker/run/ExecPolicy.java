package io.forkyard.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.job.FailureCode;
import io.forkyard.jobtype.ExecType;
import io.forkyard.messaging.Json;
import io.forkyard.worker.pool.ChildOutcome;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The operator's rules for {@code exec} jobs, applied in the worker before anything starts: the
 * program must be on the allow-list (it is replaced by its absolute path), and arguments that look
 * like options are refused unless options are allowed. Arguments are never interpreted: they reach
 * the program as an array, so {@code ; rm -rf /} or {@code $(...)} are just text.
 */
public final class ExecPolicy {

    private final List<Path> allowed;
    private final boolean allowOptions;
    private final int maxOutputBytes;

    public ExecPolicy(List<String> allowedPrograms, boolean allowOptions, int maxOutputBytes) {
        this.allowed = allowedPrograms.stream().map(Path::of).toList();
        this.allowOptions = allowOptions;
        this.maxOutputBytes = maxOutputBytes;
    }

    /** The input to send to the child, or the failure that stops the job. */
    public Result apply(JsonNode input) {
        String program = input.path("program").asText();
        Optional<Path> resolved = allowed.stream()
                .filter(p -> p.isAbsolute() && ExecType.names(program, p.toString()))
                .findFirst();
        if (resolved.isEmpty()) {
            return Result.refused("input.program: '" + program + "' is not on this worker's allow-list"
                    + (allowed.isEmpty() ? " (the list is empty)" : ""));
        }
        JsonNode args = input.path("args");
        for (int i = 0; i < args.size(); i++) {
            if (!allowOptions && args.get(i).asText().startsWith("-")) {
                return Result.refused("input.args[" + i + "]: options are not allowed for exec jobs on this worker");
            }
        }
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("program", resolved.get().toString());
        request.set("args", args.isArray() ? args : Json.MAPPER.createArrayNode());
        request.put("maxOutputBytes", maxOutputBytes);
        return new Result(request, null);
    }

    /** Either a request for the child or a refusal. */
    public record Result(JsonNode request, ChildOutcome.Failure refusal) {
        static Result refused(String message) {
            return new Result(null, ChildOutcome.Failure.of(FailureCode.INVALID_INPUT, message));
        }
    }
}
