package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * {@code csv-stats}: per-column statistics of an RFC 4180 CSV whose first row is the header.
 * Result {@code {"rows", "columns": [{"name", "count", "nulls", "min", "max", "mean", "stddev",
 * "distinct"}]}}; min/max/mean/stddev only for numeric columns (null otherwise), stddev is the
 * sample one (n−1) and null below two values.
 *
 * <p>Only the size and the presence of a header are checked here; the CSV is parsed once, by the
 * handler, which fails with {@code INVALID_INPUT} naming the record when it is malformed.
 */
public final class CsvStatsType extends BaseJobType {

    public static final String NAME = "csv-stats";
    /**
     * Longest CSV accepted, in characters. A CSV this long fits in the web tier's default request
     * body limit ({@code forkyard.web.max-body-bytes}, 16 MiB) even when every character takes two
     * bytes in the JSON body (a quote, a tab or a line break is escaped, a letter such as é is two
     * bytes of UTF-8); a text made mostly of characters that take three bytes or more (most
     * non-Latin scripts; other control characters, which JSON writes as six-byte escapes) meets the
     * body limit first. The child keeps the text and every distinct value in its heap (128m by
     * default).
     */
    public static final int MAX_CSV_CHARS = 8_000_000;

    public CsvStatsType() {
        super(NAME, Nature.CPU, Duration.ofMinutes(5), 3);
    }

    @Override
    public void validate(JsonNode input, Violations violations) {
        if (!violations.requireObject(input)) {
            return;
        }
        String csv = violations.requireString(input, "csv", MAX_CSV_CHARS);
        if (csv != null && csv.isBlank()) {
            violations.add("input.csv", "must have a header row");
        }
    }
}
