package io.forkyard.web.ui;

import io.forkyard.jobtype.CsvStatsType;
import io.forkyard.jobtype.ExecType;
import io.forkyard.jobtype.ImageType;
import io.forkyard.jobtype.NoopType;
import io.forkyard.jobtype.Sha256Type;
import io.forkyard.jobtype.SleepType;
import io.forkyard.web.WebConfig;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code /submit}: a form per job type. The page is rendered here with the limits the API applies
 * (so each form says what it accepts); its script ({@code static/submit.js}) does the rest in the
 * browser: Web Workers hash a file, make an image's thumbnail and parse a CSV for a preview, then
 * the form posts JSON to {@code POST /api/jobs} and follows the job.
 *
 * <p>{@code exec} has a form only when the operator lists programs in {@code
 * forkyard.web.submit.exec-programs}: the web tier can't see the workers' allow-lists.
 */
@Path("/submit")
public class SubmitPage {

    /** {@code templates/SubmitPage/submit.html}. */
    @CheckedTemplate
    static class Templates {
        static native TemplateInstance submit(Forms forms, String selected);
    }

    /** One tab of the page: the job type and its label. */
    public record Form(String type, String label) {}

    /** What the page shows: its forms in order, exec's programs and the API's limits. */
    public record Forms(List<Form> list, List<String> execPrograms, List<String> externalTypes) {

        /** A number with thousands separators, e.g. {@code 750,000}. */
        public String grouped(long n) {
            return String.format(Locale.ROOT, "%,d", n);
        }

        /** Largest file whose bytes a sha256 job takes (base64 makes 4 characters of every 3 bytes). */
        public long sha256MaxFileBytes() {
            return Sha256Type.MAX_INPUT_CHARS / 4L * 3;
        }

        public long sha256MaxTextChars() {
            return Sha256Type.MAX_INPUT_CHARS;
        }

        public long sha256MaxRounds() {
            return Sha256Type.MAX_ROUNDS;
        }

        public long imageMaxBytes() {
            return ImageType.MAX_IMAGE_BYTES;
        }

        public int imageMaxOperations() {
            return ImageType.MAX_OPERATIONS;
        }

        public long imageMaxDimension() {
            return ImageType.MAX_DIMENSION;
        }

        public long imageMaxBlurRadius() {
            return ImageType.MAX_BLUR_RADIUS;
        }

        public long csvMaxChars() {
            return CsvStatsType.MAX_CSV_CHARS;
        }

        public long sleepMaxMillis() {
            return SleepType.MAX_MILLIS;
        }

        public int execMaxArgs() {
            return ExecType.MAX_ARGS;
        }
    }

    @Inject
    WebConfig config;

    @GET
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance page(@QueryParam("type") String type) {
        Forms forms = forms();
        String selected = forms.list().stream()
                .map(Form::type)
                .filter(t -> t.equals(type))
                .findFirst()
                .orElse(Sha256Type.NAME);
        return Templates.submit(forms, selected);
    }

    private Forms forms() {
        List<String> programs = config.submit().programs();
        List<String> external = config.externalTypes().orElse(List.of()).stream()
                .map(String::trim)
                .filter(t -> !t.isEmpty())
                .toList();
        List<Form> list = new ArrayList<>(List.of(
                new Form(Sha256Type.NAME, "SHA-256"),
                new Form(ImageType.NAME, "Image"),
                new Form(CsvStatsType.NAME, "CSV statistics"),
                new Form(SleepType.NAME, "Sleep"),
                new Form(NoopType.NAME, "No-op")));
        if (!programs.isEmpty()) {
            list.add(new Form(ExecType.NAME, "Program"));
        }
        external.forEach(t -> list.add(new Form(t, t)));
        return new Forms(List.copyOf(list), programs, external);
    }
}
