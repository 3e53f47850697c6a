package io.forkyard.k8s;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes quantities and JVM sizes, in MiB or cores. */
final class Quantities {

    private static final Pattern QUANTITY = Pattern.compile("([0-9.]+)([A-Za-z]*)");

    private Quantities() {}

    /** "1536Mi", "2Gi", "1G", "512M" (Kubernetes) or "384m", "2g" (JVM, binary units) in MiB. */
    static long mebibytes(String quantity, boolean jvm) {
        Matcher m = QUANTITY.matcher(quantity.trim());
        if (!m.matches()) {
            throw new AssertionError("not a size: " + quantity);
        }
        BigDecimal number = new BigDecimal(m.group(1));
        String unit = jvm ? m.group(2).toLowerCase(Locale.ROOT) : m.group(2);
        double bytes = number.doubleValue()
                * switch (unit) {
                    case "" -> 1;
                    case "Ki", "k" -> 1024;
                    case "Mi", "m" -> 1024 * 1024;
                    case "Gi", "g" -> 1024 * 1024 * 1024;
                    case "K" -> 1e3;
                    case "M" -> 1e6;
                    case "G" -> 1e9;
                    default -> throw new AssertionError("unknown unit in " + quantity);
                };
        return (long) Math.floor(bytes / (1024 * 1024));
    }

    /** "500m" or "2" in cores. */
    static double cores(String quantity) {
        return quantity.endsWith("m")
                ? Double.parseDouble(quantity.substring(0, quantity.length() - 1)) / 1000
                : Double.parseDouble(quantity);
    }
}
