package io.forkyard.web.problem;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The problem-type catalogue for people and programs, public (no key needed): {@code GET /problems}
 * lists every type, {@code GET /problems/{slug}} describes one, as HTML for a browser or JSON for
 * {@code Accept: application/json}. The problems' {@code type} URIs ({@code
 * https://forkyard.io/problems/{slug}}) stay the same on every deployment; these pages are where any
 * web tier documents them.
 */
@Path("/problems")
@Tag(name = "problem types", description = "What each problem `type` means (also in the `Problem` schema)")
public class ProblemTypeResource {

    /** One problem type as JSON. */
    @Schema(name = "ProblemType")
    public record Entry(String type, String slug, String title, int status, String description) {

        static Entry of(ProblemType t) {
            return new Entry(t.uri(), t.slug(), t.title(), t.status(), t.description());
        }
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "listProblemTypes",
            summary = "Every problem type",
            description = "The catalogue of every problem `type` the API answers with.")
    @APIResponse(responseCode = "200", description = "Every problem type")
    public List<Entry> list() {
        return Arrays.stream(ProblemType.values()).map(Entry::of).toList();
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    @Operation(hidden = true)
    public String listPage() {
        StringBuilder rows = new StringBuilder();
        for (ProblemType t : ProblemType.values()) {
            rows.append("<tr><td><a href=\"/problems/")
                    .append(t.slug())
                    .append("\"><code>")
                    .append(t.slug())
                    .append("</code></a></td><td>")
                    .append(t.status())
                    .append("</td><td>")
                    .append(escape(t.title()))
                    .append("</td><td>")
                    .append(markdown(t.description()))
                    .append("</td></tr>\n");
        }
        return page(
                "Problem types",
                "<p>Every error of the Forkyard API is an <code>application/problem+json</code> document (RFC 9457)"
                        + " whose <code>type</code> is <code>" + ProblemType.BASE + "</code> followed by one of these"
                        + " slugs.</p>\n<table><thead><tr><th>slug</th><th>status</th><th>title</th><th>meaning</th>"
                        + "</tr></thead><tbody>\n" + rows + "</tbody></table>");
    }

    @GET
    @Path("/{slug}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "getProblemType", summary = "One problem type")
    @APIResponse(responseCode = "200", description = "The problem type")
    @APIResponse(responseCode = "404", description = "`not-found`: no problem type has this slug")
    public Entry get(
            @Parameter(description = "the end of the problem's `type`, e.g. `job-not-found`") @PathParam("slug")
                    String slug) {
        return Entry.of(find(slug));
    }

    @GET
    @Path("/{slug}")
    @Produces(MediaType.TEXT_HTML)
    @Operation(hidden = true)
    public String page(@PathParam("slug") String slug) {
        ProblemType t = find(slug);
        return page(
                t.title(),
                "<dl><dt>type</dt><dd><code>" + t.uri() + "</code></dd><dt>status</dt><dd>" + t.status()
                        + "</dd><dt>title</dt><dd>" + escape(t.title()) + "</dd></dl>\n<p>"
                        + markdown(t.description()) + "</p>\n<p><a href=\"/problems\">Every problem type</a></p>");
    }

    private static ProblemType find(String slug) {
        return ProblemType.bySlug(slug)
                .orElseThrow(() -> new ProblemException(
                        Problem.of("not-found", "Not found", 404, "no problem type is called " + slug)));
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + escape(title) + " · Forkyard</title>"
                + "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
                + "line-height:1.5;color:#1a1a1a}table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;"
                + "padding:.4rem;text-align:left;vertical-align:top}a{color:#0645ad}code{background:#f2f2f2}</style>"
                + "</head><body><main><h1>" + escape(title) + "</h1>\n" + body + "\n</main></body></html>\n";
    }

    /** The descriptions' only Markdown: {@code `code`}. */
    private static String markdown(String text) {
        return escape(text).replaceAll("`([^`]*)`", "<code>$1</code>");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
