package io.forkyard.worker.handler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.messaging.Json;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The statistics of one CSV column, accumulated one cell at a time.
 *
 * <p>A cell is taken without its surrounding whitespace; an empty cell is a null. The column is
 * numeric while every non-empty cell is a finite decimal number ({@code -1.5e3}, not {@code NaN},
 * {@code 0x10} or {@code 1e999}). Mean and variance use Welford's update, which stays accurate when
 * the values are large and close together (where Σx² − n·mean² cancels to noise).
 *
 * <p>{@code distinct} is exact, so every distinct value is kept: memory grows with the number of
 * distinct values, which the CSV size cap bounds.
 */
final class ColumnStats {

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");

    private final String name;
    private final Set<String> distinct = new HashSet<>();
    private long count;
    private long nulls;
    private boolean numeric = true;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double mean;
    private double sumOfSquaredDeviations;

    ColumnStats(String name) {
        this.name = name;
    }

    void add(String cell) {
        String value = cell.strip();
        if (value.isEmpty()) {
            nulls++;
            return;
        }
        count++;
        distinct.add(value);
        if (numeric) {
            double x = parse(value);
            if (Double.isNaN(x)) {
                numeric = false;
            } else {
                min = Math.min(min, x);
                max = Math.max(max, x);
                double delta = x - mean;
                mean += delta / count;
                sumOfSquaredDeviations += delta * (x - mean);
            }
        }
    }

    /** A cell missing at the end of a short row. */
    void addNull() {
        nulls++;
    }

    ObjectNode toJson() {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("name", name).put("count", count).put("nulls", nulls);
        boolean hasNumbers = numeric && count > 0;
        putOrNull(json, "min", hasNumbers, min);
        putOrNull(json, "max", hasNumbers, max);
        putOrNull(json, "mean", hasNumbers, mean);
        putOrNull(json, "stddev", hasNumbers && count > 1, Math.sqrt(sumOfSquaredDeviations / (count - 1)));
        json.put("distinct", distinct.size());
        return json;
    }

    private static void putOrNull(ObjectNode json, String field, boolean present, double value) {
        if (present) {
            json.put(field, value);
        } else {
            json.putNull(field);
        }
    }

    /** The value, or NaN when it is not a finite decimal number. */
    private static double parse(String value) {
        if (!DECIMAL.matcher(value).matches()) {
            return Double.NaN;
        }
        double x = Double.parseDouble(value);
        return Double.isFinite(x) ? x : Double.NaN;
    }
}
