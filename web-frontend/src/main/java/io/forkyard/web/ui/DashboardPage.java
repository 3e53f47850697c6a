package io.forkyard.web.ui;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code /dashboard}: throughput and latency of the last hour, queue depth, workers and their
 * pools. {@code dashboard.js} reads {@code GET /api/stats} every few seconds and draws the plots as
 * inline SVG ({@code charts.js}), each with a summary and a data table for people who can't see it.
 */
@Path("/dashboard")
@Produces(MediaType.TEXT_HTML)
public class DashboardPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance dashboard();
    }

    @GET
    public TemplateInstance dashboard() {
        return Templates.dashboard();
    }
}
