package io.forkyard.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Grafana dashboard and the Prometheus alert rules in {@code deploy/observability}: parsed (so
 * a broken file fails the build) and the Forkyard metrics their PromQL expressions name.
 */
final class ObservabilityFiles {

    static final Path DASHBOARD = AppProcess.root().resolve("deploy/observability/grafana-dashboard.json");
    static final Path ALERTS = AppProcess.root().resolve("deploy/observability/prometheus-alerts.yaml");

    private static final Pattern METRIC = Pattern.compile("\\bforkyard_[a-z0-9_]+");

    private ObservabilityFiles() {}

    /** Every PromQL expression of the dashboard's panels and of the alert rules. */
    static List<String> expressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asText());
            }
        }
        JsonNode alerts = new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile());
        for (JsonNode group : alerts.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                exprs.add(rule.path("expr").asText());
            }
        }
        return exprs;
    }

    static Set<String> referencedMetrics() throws IOException {
        return metricsIn(expressions());
    }

    /** The metric names in expressions: {@code forkyard_…} identifiers. */
    static Set<String> metricsIn(List<String> expressions) {
        Set<String> names = new TreeSet<>();
        for (String expr : expressions) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                names.add(m.group());
            }
        }
        return names;
    }

    /**
     * The names no sample of a Prometheus text page has: a sample line starts with the name and
     * then {@code {} or a space ({@code _bucket}, {@code _total} are part of the name as served).
     */
    static Set<String> missingFrom(String page, Set<String> names) {
        Set<String> missing = new TreeSet<>(names);
        page.lines()
                .filter(line -> !line.startsWith("#"))
                .map(line -> line.split("[{ ]", 2)[0])
                .forEach(missing::remove);
        return missing;
    }
}
