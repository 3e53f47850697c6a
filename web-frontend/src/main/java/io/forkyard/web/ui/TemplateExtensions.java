package io.forkyard.web.ui;

import io.quarkus.qute.TemplateExtension;
import java.util.UUID;

/** Small formatting helpers the page templates use ({@code {job.id.shortId}}). */
@TemplateExtension
public final class TemplateExtensions {

    private TemplateExtensions() {}

    /** The first eight characters of a job id: what people read and type, as in the listing. */
    static String shortId(UUID id) {
        return id.toString().substring(0, 8);
    }
}
