package io.forkyard.k8s;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * The vendored JSON schemas ({@code deploy/k8s/schemas/}, README there): Kubernetes 1.32 built-in
 * kinds (strict) and the CRDs of KEDA, Strimzi and CloudNativePG. Nothing is fetched: the
 * Kubernetes schemas' shared definitions are served from the vendored file.
 */
final class Schemas {

    /** Where the Kubernetes schemas' {@code $ref}s point ({@code /api/_definitions.json} under their $id). */
    private static final String KUBERNETES_DEFINITIONS = "https://kubernetes.io/api/_definitions.json";

    private final Path folder;
    private final SchemaRegistry registry;
    private final Map<Path, Schema> loaded = new ConcurrentHashMap<>();

    Schemas(Path folder) {
        this.folder = folder;
        Path definitions = folder.resolve("kubernetes-1.32/_definitions.json");
        this.registry = SchemaRegistry.withDefaultDialect(
                SpecificationVersion.DRAFT_2020_12,
                builder -> builder.resourceLoaders(loaders ->
                        loaders.resources(iri -> KUBERNETES_DEFINITIONS.equals(iri) ? read(definitions) : null)));
    }

    static Schemas vendored() {
        return new Schemas(Kustomize.k8s().resolve("schemas"));
    }

    /**
     * The schema file of an object's apiVersion and kind: {@code crds/GROUP/KIND_VERSION.json} for a
     * custom resource, {@code kubernetes-1.32/KIND[-GROUP]-VERSION.json} for a built-in kind.
     */
    Optional<Path> schemaOf(JsonNode object) {
        String apiVersion = object.path("apiVersion").asString();
        String kind = object.path("kind").asString().toLowerCase(Locale.ROOT);
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = apiVersion.substring(slash + 1);
        Path crd = folder.resolve("crds").resolve(group).resolve(kind + "_" + version + ".json");
        String shortGroup = group.isEmpty() ? "" : "-" + group.split("\\.")[0];
        Path builtIn = folder.resolve("kubernetes-1.32").resolve(kind + shortGroup + "-" + version + ".json");
        if (!group.isEmpty() && Files.isRegularFile(crd)) {
            return Optional.of(crd);
        }
        return Files.isRegularFile(builtIn) ? Optional.of(builtIn) : Optional.empty();
    }

    /** What is wrong with the object, one line each; empty when it is valid. */
    List<String> problems(JsonNode object) {
        Optional<Path> file = schemaOf(object);
        if (file.isEmpty()) {
            return List.of(Manifests.id(object) + ": no vendored schema for "
                    + object.path("apiVersion").asString() + " "
                    + object.path("kind").asString() + " (add it to deploy/k8s/schemas/vendor.py)");
        }
        Schema schema = loaded.computeIfAbsent(file.get(), this::load);
        List<Error> errors = schema.validate(object);
        return errors.stream()
                .map(e -> Manifests.id(object) + ": " + e.getInstanceLocation() + " " + e.getMessage())
                .toList();
    }

    private Schema load(Path file) {
        return registry.getSchema(
                SchemaLocation.of("https://schemas.forkyard.invalid/" + folder.relativize(file)),
                read(file),
                InputFormat.JSON);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
