package io.forkyard.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Order statistics of a sample: nearest-rank percentiles, median and range. */
final class Stats {

    private Stats() {}

    /** The nearest-rank percentile {@code p} (0 < p ≤ 100) of {@code sorted}, which must be sorted. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double median(List<Double> values) {
        double[] sorted =
                values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** {@code name: median M (range A – B) over N runs}, or just the value for a single run. */
    static String summary(String name, List<Double> values, String unit, String format) {
        if (values.size() == 1) {
            return String.format(Locale.ROOT, "%s: " + format + " %s", name, values.get(0), unit);
        }
        double[] sorted =
                values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format(
                Locale.ROOT,
                "%s: median " + format + " %s (range " + format + " – " + format + ") over %d runs",
                name,
                median(values),
                unit,
                sorted[0],
                sorted[sorted.length - 1],
                values.size());
    }

    static long[] sorted(long[] values) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }
}
