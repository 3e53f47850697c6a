package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code exec}: runs a program from the operator's allow-list ({@code
 * forkyard.worker.exec.allowed-programs}, empty by default) with an argument array, never through
 * a shell. This validation checks the shape; the worker checks the allow-list and the argument
 * policy, since only it knows them.
 */
public final class ExecType extends BaseJobType {

    public static final String NAME = "exec";
    public static final int MAX_ARGS = 64;
    public static final int MAX_ARG_CHARS = 4096;

    public ExecType() {
        super(NAME, Nature.PROCESS, Duration.ofMinutes(5), 1);
    }

    /**
     * Whether a job's {@code program} names {@code entry} of an operator's list: the entry itself,
     * or its file name when the entry is an absolute path. The rule of the workers' allow-lists and
     * of the web tier's declared programs alike.
     */
    public static boolean names(String program, String entry) {
        Path path = Path.of(entry);
        return entry.equals(program)
                || (path.isAbsolute() && path.getFileName().toString().equals(program));
    }

    @Override
    public void validate(JsonNode input, Violations violations) {
        if (!violations.requireObject(input)) {
            return;
        }
        String program = violations.requireString(input, "program", 255);
        if (program != null && (program.isEmpty() || program.indexOf('\0') >= 0)) {
            violations.add("input.program", "must be a non-empty name without NUL characters");
        }
        JsonNode args = input.get("args");
        if (args == null || args.isNull()) {
            return;
        }
        if (!args.isArray() || args.size() > MAX_ARGS) {
            violations.add("input.args", "must be an array of at most " + MAX_ARGS + " strings");
            return;
        }
        for (int i = 0; i < args.size(); i++) {
            JsonNode arg = args.get(i);
            if (!arg.isTextual()
                    || arg.asText().length() > MAX_ARG_CHARS
                    || arg.asText().indexOf('\0') >= 0) {
                violations.add(
                        "input.args[" + i + "]",
                        "must be a string of at most " + MAX_ARG_CHARS + " characters without NUL");
            }
        }
    }
}
