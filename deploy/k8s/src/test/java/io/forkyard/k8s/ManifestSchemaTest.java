package io.forkyard.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every overlay renders with {@code kubectl kustomize}, and every object it renders is valid against
 * the vendored schemas of Kubernetes 1.32, KEDA, Strimzi and CloudNativePG; and the validator really
 * rejects what the API server would.
 */
class ManifestSchemaTest {

    private static final Schemas SCHEMAS = Schemas.vendored();

    static Stream<Path> overlays() {
        return Kustomize.overlays().stream();
    }

    @Test
    void thereAreADevAndAProdOverlay() {
        assertThat(Kustomize.overlays()).map(p -> p.getFileName().toString()).contains("dev", "prod");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyRenderedObjectIsValidAgainstItsSchema(Path overlay) {
        Manifests manifests = Kustomize.render(overlay);

        assertThat(manifests.objects()).hasSizeGreaterThan(10);
        List<String> problems = manifests.objects().stream()
                .flatMap(o -> SCHEMAS.problems(o).stream())
                .toList();
        assertThat(problems)
                .as("schema problems in overlay %s", manifests.overlay())
                .isEmpty();
    }

    @Test
    void aMisspeltFieldInADeploymentIsRejected() {
        ObjectNode deployment = aRendered("Deployment", "forkyard-worker");
        ObjectNode container = (ObjectNode) deployment.at("/spec/template/spec/containers/0");
        container.set("resource", container.remove("resources"));

        assertThat(SCHEMAS.problems(deployment)).anyMatch(p -> p.contains("resource"));
    }

    @Test
    void aWrongTypeInAProbeIsRejected() {
        ObjectNode deployment = aRendered("Deployment", "forkyard-web");
        ((ObjectNode) deployment.at("/spec/template/spec/containers/0/livenessProbe")).put("periodSeconds", "often");

        assertThat(SCHEMAS.problems(deployment)).anyMatch(p -> p.contains("periodSeconds"));
    }

    @Test
    void anUnknownFieldInAKafkaTopicIsRejected() {
        ObjectNode topic = aRendered("KafkaTopic", "forkyard-events");
        ((ObjectNode) topic.at("/spec")).put("partition", 3);

        assertThat(SCHEMAS.problems(topic)).anyMatch(p -> p.contains("partition"));
    }

    @Test
    void aScaledObjectWithoutATargetIsRejected() {
        ObjectNode scaledObject = aRendered("ScaledObject", "forkyard-worker");
        ((ObjectNode) scaledObject.at("/spec")).remove("scaleTargetRef");

        assertThat(SCHEMAS.problems(scaledObject)).anyMatch(p -> p.contains("scaleTargetRef"));
    }

    @Test
    void aKafkaNodePoolWithAnUnknownRoleIsRejected() {
        ObjectNode pool = aRendered("KafkaNodePool", "forkyard-kafka-dual");
        ((ObjectNode) pool.at("/spec")).putArray("roles").add("zookeeper");

        assertThat(SCHEMAS.problems(pool)).anyMatch(p -> p.contains("roles"));
    }

    @Test
    void aDatabaseClusterWithTextForInstancesIsRejected() {
        ObjectNode cluster = aRendered("Cluster", "forkyard-db");
        ((ObjectNode) cluster.at("/spec")).put("instances", "three");

        assertThat(SCHEMAS.problems(cluster)).anyMatch(p -> p.contains("instances"));
    }

    @Test
    void aKindWithoutAVendoredSchemaIsRejected() {
        ObjectNode job = aRendered("Deployment", "forkyard-web");
        job.put("apiVersion", "batch/v1").put("kind", "CronJob");

        assertThat(SCHEMAS.problems(job)).singleElement().asString().contains("no vendored schema");
    }

    private static ObjectNode aRendered(String kind, String name) {
        return Kustomize.render(Kustomize.k8s().resolve("overlays/prod")).one(kind, name);
    }
}
