package io.forkyard.k8s;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Renders the overlays under {@code deploy/k8s/overlays/} with {@code kubectl kustomize}, offline,
 * into their objects. kubectl is required: a missing one fails the build with what to install,
 * because a skipped check would pass manifests nobody rendered.
 */
final class Kustomize {

    private static final YAMLMapper YAML = new YAMLMapper();

    private Kustomize() {}

    /** The repository root (the build passes it; from the module folder it is two levels up). */
    static Path root() {
        return Path.of(System.getProperty("forkyard.root", "../.."))
                .toAbsolutePath()
                .normalize();
    }

    static Path k8s() {
        return root().resolve("deploy/k8s");
    }

    /** Every overlay folder, by name. */
    static List<Path> overlays() {
        try (Stream<Path> folders = Files.list(k8s().resolve("overlays"))) {
            return folders.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list deploy/k8s/overlays", e);
        }
    }

    /** The overlay's objects as kubectl would apply them. */
    static Manifests render(Path overlay) {
        String kubectl = System.getProperty("forkyard.kubectl", "kubectl");
        try {
            Path errors = Files.createTempFile("kustomize", ".err");
            Process process;
            try {
                process = new ProcessBuilder(kubectl, "kustomize", overlay.toString())
                        .redirectError(errors.toFile())
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException(
                        "cannot run '" + kubectl
                                + "': deploy/k8s's tests render every overlay with `kubectl kustomize`."
                                + " Install kubectl 1.32 or newer (it bundles kustomize), or point the build at one"
                                + " with -Dkubectl=/path/to/kubectl",
                        e);
            }
            String yaml = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl kustomize " + overlay + " did not finish in 120 s");
            }
            String stderr = Files.readString(errors);
            Files.delete(errors);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        "kubectl kustomize " + overlay + " failed (exit " + process.exitValue() + "):\n" + stderr);
            }
            return new Manifests(overlay.getFileName().toString(), parse(yaml));
        } catch (IOException e) {
            throw new IllegalStateException("cannot render " + overlay, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted rendering " + overlay, e);
        }
    }

    /** The documents of a multi-document YAML stream, empty ones left out. */
    static List<ObjectNode> parse(String yaml) {
        List<ObjectNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents =
                YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNextValue()) {
                JsonNode document = documents.nextValue();
                if (document instanceof ObjectNode object) {
                    objects.add(object);
                }
            }
        }
        return objects;
    }
}
