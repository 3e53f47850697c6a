package io.forkyard.web.ui;

import io.forkyard.job.JobStatus;
import io.forkyard.jobtype.JobTypeCatalogue;
import io.forkyard.web.WebConfig;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.List;

/**
 * {@code /jobs}: the listing. The page carries the filter form (a plain GET form, so the filter
 * state is the URL: shareable, reloadable, usable without script); {@code jobs.js} fills the
 * table from {@code GET /api/jobs}, pages with the cursor, follows {@code GET /api/events} and runs
 * the bulk actions.
 */
@Path("/jobs")
@Produces(MediaType.TEXT_HTML)
public class JobsPage {

    /** The filter as the URL gave it; null or blank means "any". */
    public record Filter(String status, String type, String queue, String q) {}

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance jobs(Filter filter, List<String> statuses, List<String> types);
    }

    @Inject
    WebConfig config;

    private List<String> types;

    @PostConstruct
    void init() {
        types = JobTypeCatalogue.instance().withExternal(config.externalTypes().orElse(List.of())).names().stream()
                .sorted()
                .toList();
    }

    @GET
    public TemplateInstance jobs(
            @QueryParam("status") String status,
            @QueryParam("type") String type,
            @QueryParam("queue") String queue,
            @QueryParam("q") String q) {
        List<String> statuses =
                Arrays.stream(JobStatus.values()).map(Enum::name).toList();
        return Templates.jobs(new Filter(blank(status), blank(type), blank(queue), blank(q)), statuses, types);
    }

    private static String blank(String value) {
        return value == null || value.isBlank() ? "" : value.strip();
    }
}
