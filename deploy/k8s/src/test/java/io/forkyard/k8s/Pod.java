package io.forkyard.k8s;

import io.forkyard.k8s.AppSources.App;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One app's Deployment as rendered: its pod spec, its container, and the environment that
 * container gets (ConfigMap entries, then its own env; a value from a Secret reads "secret:NAME/KEY").
 */
record Pod(App app, ObjectNode deployment, JsonNode spec, JsonNode container, Map<String, String> env) {

    static List<Pod> all(Manifests m) {
        List<Pod> pods = new ArrayList<>();
        for (ObjectNode deployment : m.ofKind("Deployment")) {
            App app = App.ofComponent(deployment
                    .at("/metadata/labels/app.kubernetes.io~1component")
                    .asString());
            JsonNode spec = deployment.at("/spec/template/spec");
            JsonNode container = spec.path("containers").path(0);
            pods.add(new Pod(app, deployment, spec, container, environment(m, container)));
        }
        return pods;
    }

    static Pod of(Manifests m, App app) {
        return all(m).stream()
                .filter(p -> p.app() == app)
                .findFirst()
                .orElseThrow(() -> new AssertionError(m.overlay() + ": no Deployment of " + app));
    }

    private static Map<String, String> environment(Manifests m, JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode source : container.path("envFrom")) {
            String name = source.at("/configMapRef/name").asString();
            m.find("ConfigMap", name)
                    .ifPresent(map -> map.path("data")
                            .properties()
                            .forEach(e -> env.put(e.getKey(), e.getValue().asString())));
        }
        for (JsonNode variable : container.path("env")) {
            JsonNode secret = variable.at("/valueFrom/secretKeyRef");
            env.put(
                    variable.path("name").asString(),
                    secret.isMissingNode()
                            ? variable.path("value").asString()
                            : "secret:" + secret.path("name").asString() + "/"
                                    + secret.path("key").asString());
        }
        return env;
    }

    String name() {
        return deployment.at("/metadata/name").asString();
    }

    Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        deployment
                .at("/spec/template/metadata/labels")
                .properties()
                .forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
        return labels;
    }

    /** A configuration key's value in this pod: its environment variable, else the app's own value or default. */
    String setting(String key) {
        String fromEnv = env.get(AppSources.envName(key));
        if (fromEnv != null) {
            return fromEnv;
        }
        return Optional.ofNullable(app.settings().get(key))
                .orElseThrow(() -> new AssertionError(app + " has no value for " + key));
    }

    /** A JVM option the pod gives the java launcher ({@code -Xmx} → "384m"), if any. */
    Optional<String> jvmOption(String option) {
        for (String word : env.getOrDefault("JDK_JAVA_OPTIONS", "").split("\\s+")) {
            if (word.startsWith(option)) {
                return Optional.of(word.substring(option.length()));
            }
        }
        return Optional.empty();
    }

    /** The container's first port. */
    JsonNode port() {
        return container.path("ports").path(0);
    }
}
