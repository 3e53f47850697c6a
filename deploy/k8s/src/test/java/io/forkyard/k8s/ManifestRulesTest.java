package io.forkyard.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * Forkyard's own rules ({@link Rules}) hold in every overlay, and each of them reports a manifest
 * broken on purpose.
 */
class ManifestRulesTest {

    private static final Map<Path, Manifests> RENDERED = new ConcurrentHashMap<>();

    static Stream<Path> overlays() {
        return Kustomize.overlays().stream();
    }

    private static Manifests rendered(Path overlay) {
        return RENDERED.computeIfAbsent(overlay, Kustomize::render);
    }

    private static Manifests prod() {
        return rendered(Kustomize.k8s().resolve("overlays/prod")).copy();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContainerHasHealthProbesAndResources(Path overlay) {
        assertThat(Rules.probesAndResources(rendered(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void podsRunAsTheImagesNonRootUserWithNothingToEscalate(Path overlay) {
        assertThat(Rules.securityContext(rendered(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void aStoppingWorkerHasTimeToHandItsJobsBack(Path overlay) {
        assertThat(Rules.workerGraceOutlastsTheJobGrace(rendered(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void memoryLimitsHoldTheJvmAndEveryChild(Path overlay) {
        assertThat(Rules.memoryLimitsHoldTheJvmsAndTheChildren(rendered(overlay)))
                .isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theTempDirIsAWritableEmptyDir(Path overlay) {
        assertThat(Rules.scratchSpaceIsAnEmptyDirAtTheTempDir(rendered(overlay)))
                .isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void podsRunTheImagesTheDockerfilesBuild(Path overlay) {
        assertThat(Rules.imagesAreTheOnesTheDockerfilesBuild(rendered(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyEnvironmentVariableSetsARealConfigurationKey(Path overlay) {
        assertThat(Rules.everyEnvironmentVariableNamesARealKey(rendered(overlay)))
                .isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theKafkaTopicsAreTheOnesTheCodeUses(Path overlay) {
        assertThat(Rules.topicsAreTheOnesTheCodeUses(rendered(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void workersScaleOnTheDueBacklogOfEachQueue(Path overlay) {
        assertThat(Rules.workersScaleOnTheDueBacklogOfEveryQueue(rendered(overlay)))
                .isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theDatabaseTakesEveryPoolAtItsLargest(Path overlay) {
        assertThat(Rules.theDatabaseTakesEveryConnection(rendered(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void networkPoliciesLetInOnlyWhatEachComponentNeeds(Path overlay) {
        assertThat(Rules.networkPoliciesFenceEveryComponent(rendered(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theIngressRoutesTheAppButNotItsProbesOrMetrics(Path overlay) {
        assertThat(Rules.ingressRoutesTheAppAndNotItsProbesOrMetrics(rendered(overlay)))
                .isEmpty();
    }

    @Test
    void anIngressThatRoutesMetricsOrMissesAPageIsReported() {
        Manifests m = prod();
        tools.jackson.databind.node.ArrayNode paths = (tools.jackson.databind.node.ArrayNode)
                m.one("Ingress", "forkyard-web").at("/spec/rules/0/http/paths");
        for (int i = paths.size() - 1; i >= 0; i--) {
            if (paths.get(i).path("path").asString().equals("/dashboard")) {
                paths.remove(i);
            }
        }
        ObjectNode everything = paths.addObject().put("path", "/q").put("pathType", "Prefix");
        everything.putObject("backend").putObject("service").put("name", "forkyard-web");

        assertThat(Rules.ingressRoutesTheAppAndNotItsProbesOrMetrics(m))
                .anyMatch(v -> v.contains("does not route /dashboard"))
                .anyMatch(v -> v.contains("routes /q/metrics"))
                .anyMatch(v -> v.contains("routes /q/health"));
    }

    @Test
    void prodSurvivesTheLossOfANode() {
        assertThat(Rules.prodIsHighlyAvailable(prod())).isEmpty();
    }

    @Test
    void aWorkerKilledBeforeItsJobsAreHandedBackIsReported() {
        Manifests m = prod();
        spec(m, "forkyard-worker").put("terminationGracePeriodSeconds", 45);

        assertThat(Rules.workerGraceOutlastsTheJobGrace(m))
                .singleElement()
                .asString()
                .contains("terminationGracePeriodSeconds 45", "PT1M");
    }

    @Test
    void aJobGraceLongerThanTheShutdownTimeoutIsReported() {
        Manifests m = prod();
        m.one("ConfigMap", "forkyard-worker").withObject("data").put("FORKYARD_WORKER_SHUTDOWN_GRACE", "PT50S");

        assertThat(Rules.workerGraceOutlastsTheJobGrace(m)).anyMatch(v -> v.contains("quarkus.shutdown.timeout"));
    }

    @Test
    void aMissingProbeAndAMissingLimitAreReported() {
        Manifests m = prod();
        ObjectNode web = container(m, "forkyard-web");
        web.remove("livenessProbe");
        web.withObject("resources").remove("limits");

        assertThat(Rules.probesAndResources(m))
                .anyMatch(v -> v.contains("livenessProbe"))
                .anyMatch(v -> v.contains("limits.memory"));
    }

    @Test
    void aWritableRootOrAKeptCapabilityIsReported() {
        Manifests m = prod();
        ObjectNode context = container(m, "forkyard-worker").withObject("securityContext");
        context.put("readOnlyRootFilesystem", false);
        context.withObject("capabilities").putArray("drop").add("NET_RAW");
        spec(m, "forkyard-worker").put("automountServiceAccountToken", true);

        assertThat(Rules.securityContext(m)).hasSize(3);
    }

    @Test
    void moreChildrenThanTheMemoryLimitHoldsAreReported() {
        Manifests m = prod();
        m.one("ConfigMap", "forkyard-worker").withObject("data").put("FORKYARD_WORKER_POOL_SIZE", "4");
        m.one("ConfigMap", "forkyard-worker").withObject("data").put("FORKYARD_WORKER_POOL_CHILD_HEAP", "512m");

        assertThat(Rules.memoryLimitsHoldTheJvmsAndTheChildren(m))
                .singleElement()
                .asString()
                .contains("4 children x (512m + 64 MiB)");
    }

    @Test
    void childScratchOnTheRootFileSystemIsReported() {
        Manifests m = prod();
        container(m, "forkyard-worker").withArray("volumeMounts").removeAll();

        assertThat(Rules.scratchSpaceIsAnEmptyDirAtTheTempDir(m))
                .singleElement()
                .asString()
                .contains("forkyard-worker: java.io.tmpdir /tmp");
    }

    @Test
    void aSecretOtherThanTheDatabasesIsReported() {
        Manifests m = prod();
        container(m, "forkyard-web")
                .withArray("env")
                .addObject()
                .put("name", "QUARKUS_DATASOURCE_PASSWORD")
                .putObject("valueFrom")
                .putObject("secretKeyRef")
                .put("name", "other")
                .put("key", "password");

        assertThat(Rules.everyEnvironmentVariableNamesARealKey(m))
                .singleElement()
                .asString()
                .contains("not the database's secret forkyard-db-app");
    }

    @Test
    void anImageTheDockerfilesDoNotBuildIsReported() {
        Manifests m = prod();
        container(m, "forkyard-worker").put("image", "registry.example.com/forkyard/worker:1");

        assertThat(Rules.imagesAreTheOnesTheDockerfilesBuild(m))
                .singleElement()
                .asString()
                .contains("is not forkyard-worker");
    }

    @Test
    void anEnvironmentVariableOfNoConfigurationKeyIsReported() {
        Manifests m = prod();
        m.one("ConfigMap", "forkyard-worker").withObject("data").put("FORKYARD_WORKER_POOLSIZE", "4");

        assertThat(Rules.everyEnvironmentVariableNamesARealKey(m))
                .singleElement()
                .asString()
                .contains("FORKYARD_WORKER_POOLSIZE names no configuration key of worker");
    }

    @Test
    void aQueueWithoutATopicOrATriggerIsReported() {
        Manifests m = prod();
        m.one("ConfigMap", "forkyard-worker").withObject("data").put("FORKYARD_WORKER_QUEUES", "default,images");

        assertThat(Rules.topicsAreTheOnesTheCodeUses(m)).anyMatch(v -> v.contains("forkyard.jobs.images"));
        assertThat(Rules.workersScaleOnTheDueBacklogOfEveryQueue(m))
                .singleElement()
                .asString()
                .contains("queue images");
    }

    @Test
    void anAutoscalerQueryingAnotherNamespaceIsReported() {
        Manifests m = prod();
        m.one("ScaledObject", "forkyard-worker")
                .withObject("spec")
                .withObject("/triggers/0/metadata")
                .put("host", "forkyard-db-rw");

        assertThat(Rules.workersScaleOnTheDueBacklogOfEveryQueue(m))
                .singleElement()
                .asString()
                .contains("forkyard-db-rw.forkyard.svc");
    }

    @Test
    void tooFewDatabaseConnectionsAreReported() {
        Manifests m = prod();
        m.one("Cluster", "forkyard-db")
                .withObject("spec")
                .withObject("postgresql")
                .withObject("parameters")
                .put("max_connections", "100");

        assertThat(Rules.theDatabaseTakesEveryConnection(m))
                .singleElement()
                .asString()
                .contains("100 <");
    }

    @Test
    void aWorkerThatTakesTrafficIsReported() {
        Manifests m = prod();
        m.one("NetworkPolicy", "forkyard-worker")
                .withObject("spec")
                .withArray("ingress")
                .addObject()
                .putArray("from")
                .addObject()
                .putObject("podSelector");

        assertThat(Rules.networkPoliciesFenceEveryComponent(m)).anyMatch(v -> v.contains("may take traffic only from"));
    }

    @Test
    void aSingleBrokerInProdIsReported() {
        Manifests m = prod();
        m.one("KafkaNodePool", "forkyard-kafka-dual").withObject("spec").put("replicas", 1);

        assertThat(Rules.prodIsHighlyAvailable(m)).singleElement().asString().contains("3 brokers");
    }

    private static ObjectNode spec(Manifests m, String deployment) {
        return m.one("Deployment", deployment)
                .withObject("spec")
                .withObject("template")
                .withObject("spec");
    }

    private static ObjectNode container(Manifests m, String deployment) {
        return spec(m, deployment).at("/containers/0") instanceof ObjectNode c ? c : null;
    }
}
