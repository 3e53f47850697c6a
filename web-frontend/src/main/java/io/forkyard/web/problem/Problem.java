package io.forkyard.web.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.forkyard.jobtype.Violations;
import java.util.List;

/**
 * An RFC 9457 problem document. {@code type} is a stable URI per kind of problem, one of {@link
 * ProblemType}'s (each described at {@code GET /problems/{slug}}); {@code errors} names each
 * offending field. Never carries a stack trace or SQL.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<Violations.Violation> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String BASE = ProblemType.BASE;

    public static Problem of(String slug, String title, int status, String detail) {
        return new Problem(BASE + slug, title, status, detail, List.of());
    }

    public static Problem of(String slug, String title, int status, String detail, List<Violations.Violation> errors) {
        return new Problem(BASE + slug, title, status, detail, errors);
    }
}
