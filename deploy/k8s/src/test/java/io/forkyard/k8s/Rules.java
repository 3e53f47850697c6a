package io.forkyard.k8s;

import io.forkyard.k8s.AppSources.App;
import io.forkyard.k8s.AppSources.Dockerfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * Forkyard's own rules for the pods (README "Deploy on Kubernetes"), each a list of violations
 * (empty: kept). Every number they compare with comes from the apps' sources, never from here, except
 * the two memory allowances below.
 */
final class Rules {

    /** A JVM's memory beyond its heap: metaspace, code cache, thread stacks, Kafka's and Netty's buffers. */
    static final long JVM_OVERHEAD_MIB = 256;

    /** A child JVM's memory beyond its heap (serial GC, class-data sharing; about 40 MiB measured empty). */
    static final long CHILD_OVERHEAD_MIB = 64;

    private static final Map<String, String> HEALTH = Map.of(
            "startupProbe",
            "/q/health/started",
            "readinessProbe",
            "/q/health/ready",
            "livenessProbe",
            "/q/health/live");

    private Rules() {}

    /** Probes on SmallRye Health, and requests and a memory limit equal to the request, on every container. */
    static List<String> probesAndResources(Manifests m) {
        List<String> violations = new ArrayList<>();
        for (Pod pod : Pod.all(m)) {
            for (JsonNode c : pod.spec().path("containers")) {
                String where = pod.name() + "/" + c.path("name").asString();
                HEALTH.forEach((probe, path) -> {
                    JsonNode get = c.path(probe).path("httpGet");
                    if (!path.equals(get.path("path").asString())) {
                        violations.add(where + ": " + probe + " must GET " + path);
                    } else if (!pod.port()
                                    .path("name")
                                    .asString()
                                    .equals(get.path("port").asString())
                            && pod.port().path("containerPort").asInt()
                                    != get.path("port").asInt()) {
                        violations.add(where + ": " + probe + " must use the container's port");
                    }
                });
                JsonNode resources = c.path("resources");
                for (String needed : List.of("/requests/cpu", "/requests/memory", "/limits/memory")) {
                    if (resources.at(needed).isMissingNode()) {
                        violations.add(where + ": no resources" + needed.replace('/', '.'));
                    }
                }
                if (!resources
                        .at("/requests/memory")
                        .asString()
                        .equals(resources.at("/limits/memory").asString())) {
                    violations.add(where + ": the memory request must equal the limit (no overcommit of memory)");
                }
            }
        }
        return violations;
    }

    /** Non-root as the image's user, read-only root, seccomp RuntimeDefault, no capabilities, no token. */
    static List<String> securityContext(Manifests m) {
        List<String> violations = new ArrayList<>();
        for (Pod pod : Pod.all(m)) {
            JsonNode podContext = pod.spec().path("securityContext");
            JsonNode context = pod.container().path("securityContext");
            String where = pod.name() + ": ";
            require(violations, podContext.path("runAsNonRoot").asBoolean(), where + "runAsNonRoot must be true");
            require(
                    violations,
                    "RuntimeDefault"
                            .equals(podContext.at("/seccompProfile/type").asString()),
                    where + "seccompProfile must be RuntimeDefault");
            require(
                    violations,
                    pod.app()
                            .dockerfile()
                            .user()
                            .equals(podContext.path("runAsUser").asString()),
                    where + "runAsUser must be the image's USER "
                            + pod.app().dockerfile().user());
            require(
                    violations,
                    pod.spec().path("automountServiceAccountToken").isBoolean()
                            && !pod.spec().path("automountServiceAccountToken").asBoolean(),
                    where + "automountServiceAccountToken must be false");
            require(
                    violations,
                    !pod.spec().path("hostPID").asBoolean()
                            && !pod.spec().path("hostNetwork").asBoolean(),
                    where + "no host namespaces");
            require(
                    violations,
                    context.path("readOnlyRootFilesystem").asBoolean(),
                    where + "readOnlyRootFilesystem must be true");
            require(
                    violations,
                    context.path("allowPrivilegeEscalation").isBoolean()
                            && !context.path("allowPrivilegeEscalation").asBoolean(),
                    where + "allowPrivilegeEscalation must be false");
            require(violations, !context.path("privileged").asBoolean(), where + "must not be privileged");
            require(
                    violations,
                    texts(context.at("/capabilities/drop")).contains("ALL"),
                    where + "must drop ALL capabilities");
            require(violations, context.at("/capabilities/add").isMissingNode(), where + "must add no capability");
            String account = pod.spec().path("serviceAccountName").asString();
            require(
                    violations,
                    m.find("ServiceAccount", account)
                            .map(sa -> sa.path("automountServiceAccountToken").isBoolean()
                                    && !sa.path("automountServiceAccountToken").asBoolean())
                            .orElse(false),
                    where + "its ServiceAccount '" + account + "' must exist and not automount a token");
        }
        return violations;
    }

    /**
     * SIGTERM to SIGKILL outlasts the worker's whole stop: the job grace, then handing running jobs
     * back and writing every outcome (WorkerLifecycle: HAND_BACK_TIMEOUT each), all within
     * quarkus.shutdown.timeout.
     */
    static List<String> workerGraceOutlastsTheJobGrace(Manifests m) {
        Pod worker = Pod.of(m, App.WORKER);
        Duration grace = AppSources.duration(worker.setting("forkyard.worker.shutdown-grace"));
        Duration shutdown = AppSources.duration(worker.setting("quarkus.shutdown.timeout"));
        Duration handBack = Duration.ofSeconds(Long.parseLong(AppSources.group(
                AppSources.text("worker/src/main/java/io/forkyard/worker/WorkerLifecycle.java"),
                "HAND_BACK_TIMEOUT = Duration.ofSeconds\\((\\d+)\\)")));
        long termination = worker.spec().path("terminationGracePeriodSeconds").asLong(30);
        List<String> violations = new ArrayList<>();
        Duration stop = grace.plus(handBack.multipliedBy(2));
        require(
                violations,
                shutdown.compareTo(stop) >= 0,
                "quarkus.shutdown.timeout " + shutdown + " must cover shutdown-grace " + grace + " + 2 x hand-back "
                        + handBack + " = " + stop);
        require(
                violations,
                termination > shutdown.toSeconds() && termination > grace.toSeconds(),
                "terminationGracePeriodSeconds " + termination + " must be longer than quarkus.shutdown.timeout "
                        + shutdown + " (and shutdown-grace " + grace + ")");
        return violations;
    }

    /** Memory limits hold the JVM (heap + overhead) and, for the worker, every child of its pool. */
    static List<String> memoryLimitsHoldTheJvmsAndTheChildren(Manifests m) {
        List<String> violations = new ArrayList<>();
        for (Pod pod : Pod.all(m)) {
            String xmx = pod.jvmOption("-Xmx").orElse(null);
            if (xmx == null) {
                violations.add(
                        pod.name() + ": JDK_JAVA_OPTIONS must give -Xmx (the default heap is a quarter of the limit)");
                continue;
            }
            long limit = Quantities.mebibytes(
                    pod.container().at("/resources/limits/memory").asString("0"), false);
            long needed = Quantities.mebibytes(xmx, true) + JVM_OVERHEAD_MIB;
            String sum = "heap " + xmx + " + " + JVM_OVERHEAD_MIB + " MiB";
            if (pod.app() == App.WORKER) {
                int children = Integer.parseInt(pod.setting("forkyard.worker.pool.size"));
                String childHeap = pod.setting("forkyard.worker.pool.child-heap");
                needed += children * (Quantities.mebibytes(childHeap, true) + CHILD_OVERHEAD_MIB);
                sum += " + " + children + " children x (" + childHeap + " + " + CHILD_OVERHEAD_MIB + " MiB)";
                double cores = Quantities.cores(
                        pod.container().at("/resources/requests/cpu").asString("0"));
                require(
                        violations,
                        children >= 1 && children <= Math.ceil(cores),
                        pod.name() + ": pool.size " + children + " must be set, and at most the cores requested ("
                                + cores + "): 0 means the node's processors, not the pod's");
            }
            require(
                    violations,
                    limit >= needed,
                    pod.name() + ": memory limit " + limit + " MiB < " + sum + " = " + needed + " MiB");
        }
        return violations;
    }

    /** java.io.tmpdir is a writable emptyDir: the JVM's temporary files, and the children's HOME and TMPDIR. */
    static List<String> scratchSpaceIsAnEmptyDirAtTheTempDir(Manifests m) {
        List<String> violations = new ArrayList<>();
        for (Pod pod : Pod.all(m)) {
            String tmp = pod.jvmOption("-Djava.io.tmpdir=").orElse("/tmp");
            String volume = null;
            for (JsonNode mount : pod.container().path("volumeMounts")) {
                if (tmp.equals(mount.path("mountPath").asString())
                        && !mount.path("readOnly").asBoolean()) {
                    volume = mount.path("name").asString();
                }
            }
            boolean emptyDir = false;
            for (JsonNode v : pod.spec().path("volumes")) {
                if (v.path("name").asString().equals(volume) && v.has("emptyDir")) {
                    emptyDir = v.at("/emptyDir/sizeLimit").isString();
                }
            }
            require(
                    violations,
                    emptyDir,
                    pod.name() + ": java.io.tmpdir " + tmp
                            + " must be a writable emptyDir with a sizeLimit (the root file system is read-only)");
        }
        return violations;
    }

    /** The image, port and user each Deployment runs are the ones its Dockerfile.jvm builds. */
    static List<String> imagesAreTheOnesTheDockerfilesBuild(Manifests m) {
        List<String> violations = new ArrayList<>();
        for (Pod pod : Pod.all(m)) {
            Dockerfile dockerfile = pod.app().dockerfile();
            String image = pod.container().path("image").asString();
            String repository = image.replaceFirst("@.*$", "").replaceFirst(":[^:/]*$", "");
            String name = repository.substring(repository.lastIndexOf('/') + 1);
            require(
                    violations,
                    name.equals(dockerfile.imageName()),
                    pod.name() + ": image " + image + " is not " + dockerfile.imageName() + " (its Dockerfile.jvm)");
            require(
                    violations,
                    pod.port().path("containerPort").asInt() == dockerfile.exposedPort(),
                    pod.name() + ": port " + pod.port().path("containerPort") + " is not the image's EXPOSE "
                            + dockerfile.exposedPort());
            for (String layer : List.of("lib/", "*.jar", "app/", "quarkus/")) {
                require(
                        violations,
                        dockerfile.text().contains("target/quarkus-app/" + layer),
                        pod.app().module + " Dockerfile.jvm must copy the packaged app's " + layer);
            }
            require(
                    violations,
                    dockerfile.text().contains("/deployments/quarkus-run.jar"),
                    pod.app().module + " Dockerfile.jvm must run quarkus-run.jar");
        }
        String processTree = AppSources.text("worker/src/main/java/io/forkyard/worker/pool/ProcessTree.java");
        String workerImage = App.WORKER.dockerfile().text();
        for (String tool : List.of("SETSID", "KILL")) {
            String path = AppSources.group(processTree, tool + " = Path.of\\(\"([^\"]+)\"\\)");
            require(
                    violations,
                    workerImage.contains("test -x " + path),
                    "worker Dockerfile.jvm must provide and check " + path + " (the child pool's " + tool + ")");
        }
        return violations;
    }

    /** Every environment variable sets a configuration key the app really reads, and every reference resolves. */
    static List<String> everyEnvironmentVariableNamesARealKey(Manifests m) {
        List<String> violations = new ArrayList<>();
        String credentials = database(m).path("metadata").path("name").asString() + "-app";
        for (Pod pod : Pod.all(m)) {
            Set<String> known = pod.app().settings().keySet().stream()
                    .map(AppSources::envName)
                    .collect(Collectors.toSet());
            known.add("JDK_JAVA_OPTIONS");
            for (Map.Entry<String, String> e : pod.env().entrySet()) {
                require(
                        violations,
                        known.contains(e.getKey()),
                        pod.name() + ": " + e.getKey() + " names no configuration key of " + pod.app().module);
                if (e.getValue().startsWith("secret:")) {
                    require(
                            violations,
                            Set.of("secret:" + credentials + "/username", "secret:" + credentials + "/password")
                                    .contains(e.getValue()),
                            pod.name() + ": " + e.getKey() + " reads " + e.getValue() + ", not the database's secret "
                                    + credentials);
                }
            }
            for (JsonNode source : pod.container().path("envFrom")) {
                String map = source.at("/configMapRef/name").asString();
                require(violations, m.find("ConfigMap", map).isPresent(), pod.name() + ": no ConfigMap " + map);
            }
        }
        return violations;
    }

    /** The KafkaTopics are the topics the code names, with the web tier's partitions and retention. */
    static List<String> topicsAreTheOnesTheCodeUses(Manifests m) {
        List<String> violations = new ArrayList<>();
        Pod web = Pod.of(m, App.WEB);
        Pod worker = Pod.of(m, App.WORKER);
        String prefix = web.setting("forkyard.web.topic-prefix");
        require(
                violations,
                prefix.equals(worker.setting("forkyard.worker.topic-prefix")),
                "web and worker must share one topic prefix");
        Set<String> expected = new TreeSet<>();
        Set<String> queues = new TreeSet<>(queues(worker));
        queues.add(web.setting("forkyard.web.default-queue"));
        String urgent = AppSources.urgentSuffix();
        for (String queue : queues) {
            expected.add(prefix + AppSources.topicSuffix("queue") + queue);
            expected.add(prefix + AppSources.topicSuffix("queue") + queue + urgent);
        }
        expected.add(prefix + AppSources.topicSuffix("deadLetters"));
        String events = prefix + AppSources.topicSuffix("events");
        expected.add(events);
        JsonNode kafka = m.ofKind("Kafka").get(0);
        String cluster = kafka.at("/metadata/name").asString();
        int partitions = Integer.parseInt(web.setting("forkyard.web.dispatcher.topic-partitions"));
        Set<String> declared = new TreeSet<>();
        for (JsonNode topic : m.ofKind("KafkaTopic")) {
            String name = topic.at("/spec/topicName")
                    .asString(topic.at("/metadata/name").asString());
            declared.add(name);
            require(
                    violations,
                    cluster.equals(
                            topic.at("/metadata/labels/strimzi.io~1cluster").asString()),
                    name + ": strimzi.io/cluster must be " + cluster);
            require(
                    violations,
                    topic.at("/spec/partitions").asInt() == partitions,
                    name + ": partitions must be the web tier's dispatcher.topic-partitions " + partitions);
            if (name.equals(events)) {
                long retention = AppSources.duration(web.setting("forkyard.web.events.topic-retention"))
                        .toMillis();
                for (String config : List.of("retention.ms", "segment.ms")) {
                    require(
                            violations,
                            topic.at("/spec/config/" + config).asLong() == retention,
                            name + ": " + config + " must be events.topic-retention, " + retention + " ms");
                }
            }
        }
        require(violations, declared.containsAll(expected), "KafkaTopics " + declared + " must include " + expected);
        int port = 0;
        for (JsonNode listener : kafka.at("/spec/kafka/listeners")) {
            if (!listener.path("tls").asBoolean()) {
                port = listener.path("port").asInt();
            }
        }
        for (Pod pod : List.of(web, worker)) {
            require(
                    violations,
                    (cluster + "-kafka-bootstrap:" + port).equals(pod.setting("kafka.bootstrap.servers")),
                    pod.name() + ": KAFKA_BOOTSTRAP_SERVERS must be " + cluster + "-kafka-bootstrap:" + port);
        }
        String kafkaVersion = AppSources.group(AppSources.text("pom.xml"), "<kafka.version>([^<]+)</kafka.version>");
        require(
                violations,
                kafkaVersion.equals(kafka.at("/spec/kafka/version").asString()),
                "Kafka's version must be the one the apps are built with, " + kafkaVersion);
        require(
                violations,
                "false"
                        .equals(kafka.at("/spec/kafka/config/auto.create.topics.enable")
                                .asString()),
                "the broker must not create topics on its own");
        return violations;
    }

    /**
     * KEDA scales the workers on the due QUEUED jobs of every queue they consume, asking the database
     * the apps use, as the role that owns it; nothing else sets the worker count.
     */
    static List<String> workersScaleOnTheDueBacklogOfEveryQueue(Manifests m) {
        List<String> violations = new ArrayList<>();
        Pod worker = Pod.of(m, App.WORKER);
        JsonNode database = database(m);
        String cluster = database.at("/metadata/name").asString();
        String owner = database.at("/spec/bootstrap/initdb/owner").asString();
        String dbName = database.at("/spec/bootstrap/initdb/database").asString();
        JsonNode scaled = m.ofKind("ScaledObject").get(0);
        require(
                violations,
                worker.name().equals(scaled.at("/spec/scaleTargetRef/name").asString()),
                "the ScaledObject must scale " + worker.name());
        require(
                violations,
                worker.deployment().at("/spec/replicas").isMissingNode(),
                worker.name() + ": no replicas field (KEDA owns the count; an apply would reset it)");
        require(
                violations,
                scaled.at("/spec/minReplicaCount").asInt()
                                <= scaled.at("/spec/maxReplicaCount").asInt()
                        && scaled.at("/spec/maxReplicaCount").asInt() >= 1,
                "min <= max replicas, max >= 1");
        List<String> columns = AppSources.columns("job");
        for (String column : List.of("status", "queue", "run_at")) {
            require(violations, columns.contains(column), "the migrations have no job." + column);
        }
        String host = cluster + "-rw." + scaled.at("/metadata/namespace").asString() + ".svc";
        for (String queue : queues(worker)) {
            JsonNode trigger = null;
            for (JsonNode t : scaled.at("/spec/triggers")) {
                String query = t.at("/metadata/query").asString().replaceAll("\\s+", " ");
                if ("postgresql".equals(t.path("type").asString())
                        && query.matches("(?i)SELECT count\\(\\*\\) FROM job WHERE .*")
                        && query.contains("status = 'QUEUED'")
                        && query.contains("queue = '" + queue + "'")
                        && query.contains("run_at <= now()")) {
                    trigger = t;
                }
            }
            if (trigger == null) {
                violations.add("no postgresql trigger counts the due QUEUED jobs of queue " + queue);
                continue;
            }
            JsonNode meta = trigger.path("metadata");
            require(
                    violations,
                    host.equals(meta.path("host").asString()),
                    "trigger of " + queue + ": host must be " + host + " (KEDA runs in another namespace)");
            require(
                    violations,
                    owner.equals(meta.path("userName").asString())
                            && dbName.equals(meta.path("dbName").asString()),
                    "trigger of " + queue + ": must log in as " + owner + " to " + dbName);
            String auth = trigger.at("/authenticationRef/name").asString();
            require(
                    violations,
                    m.find("TriggerAuthentication", auth)
                            .map(a -> a.at("/spec/secretTargetRef").toString().contains("\"" + cluster + "-app\""))
                            .orElse(false),
                    "trigger of " + queue + ": TriggerAuthentication " + auth + " must read " + cluster + "-app");
        }
        for (Pod pod : Pod.all(m)) {
            String url = "jdbc:postgresql://" + cluster + "-rw:5432/" + dbName;
            require(
                    violations,
                    url.equals(pod.setting("quarkus.datasource.jdbc.url")),
                    pod.name() + ": the JDBC URL must be " + url);
        }
        return violations;
    }

    /** max_connections holds every pool at its most replicas, plus a reserve for KEDA and the operator. */
    static List<String> theDatabaseTakesEveryConnection(Manifests m) {
        int reserve = 20;
        long needed = reserve;
        StringBuilder sum = new StringBuilder(reserve + " reserved");
        for (Pod pod : Pod.all(m)) {
            int replicas = maxReplicas(m, pod);
            int pool = Integer.parseInt(pod.setting("quarkus.datasource.jdbc.max-size"));
            needed += (long) replicas * pool;
            sum.append(" + ")
                    .append(pod.name())
                    .append(' ')
                    .append(replicas)
                    .append(" x ")
                    .append(pool);
        }
        int max = database(m).at("/spec/postgresql/parameters/max_connections").asInt(100);
        return max >= needed ? List.of() : List.of("max_connections " + max + " < " + sum + " = " + needed);
    }

    /** Only the web tier takes traffic; web and workers reach only DNS, Kafka and PostgreSQL; both are scraped. */
    /** What the web tier serves at {@code /q/} that the world may see: the API document (README "HTTP API"). */
    static final List<String> PUBLIC_MANAGEMENT_PATHS = List.of("/q/openapi", "/q/swagger-ui");

    /** What it serves at {@code /q/} for the cluster only: probes and metrics. */
    static final List<String> PRIVATE_MANAGEMENT_PATHS = List.of("/q/health", "/q/metrics");

    /**
     * Every Ingress routes every path the web tier serves to people and programs (its resources,
     * its static files, the API document), and none of its health and metrics endpoints.
     */
    static List<String> ingressRoutesTheAppAndNotItsProbesOrMetrics(Manifests m) {
        List<String> violations = new ArrayList<>();
        List<String> served = new ArrayList<>(AppSources.webRoots());
        served.addAll(PUBLIC_MANAGEMENT_PATHS);
        for (JsonNode ingress : m.ofKind("Ingress")) {
            List<JsonNode> routes = new ArrayList<>();
            ingress.at("/spec/rules").forEach(rule -> rule.at("/http/paths").forEach(routes::add));
            for (String path : served) {
                require(
                        violations,
                        routes.stream().anyMatch(r -> routes(r, path)),
                        Manifests.id(ingress) + ": does not route " + path + ", which the web tier serves");
            }
            for (String path : PRIVATE_MANAGEMENT_PATHS) {
                require(
                        violations,
                        routes.stream().noneMatch(r -> routes(r, path + "/ready") || routes(r, path)),
                        Manifests.id(ingress) + ": routes " + path + " to the world");
            }
        }
        return violations;
    }

    /** Whether an Ingress path entry sends {@code path} on (Exact, or Prefix by whole segments). */
    private static boolean routes(JsonNode route, String path) {
        String p = route.path("path").asString();
        if (route.path("pathType").asString().equals("Exact")) {
            return p.equals(path);
        }
        String prefix = p.endsWith("/") ? p : p + "/";
        return path.equals(p) || path.startsWith(prefix);
    }

    static List<String> networkPoliciesFenceEveryComponent(Manifests m) {
        List<String> violations = new ArrayList<>();
        for (Pod pod : Pod.all(m)) {
            List<JsonNode> policies = m.ofKind("NetworkPolicy").stream()
                    .filter(p -> selects(p.at("/spec/podSelector"), pod.labels()))
                    .map(JsonNode.class::cast)
                    .toList();
            if (policies.isEmpty()) {
                violations.add(pod.name() + ": no NetworkPolicy selects it");
                continue;
            }
            Set<String> allowedFrom =
                    pod.app() == App.WEB ? Set.of("ingress-nginx", "monitoring") : Set.of("monitoring");
            boolean scraped = false;
            for (JsonNode policy : policies) {
                require(
                        violations,
                        texts(policy.at("/spec/policyTypes")).containsAll(List.of("Ingress", "Egress")),
                        Manifests.id(policy) + ": must fence both ingress and egress");
                for (JsonNode rule : policy.at("/spec/ingress")) {
                    for (JsonNode peer : rule.path("from")) {
                        String namespace = peer.at("/namespaceSelector/matchLabels/kubernetes.io~1metadata.name")
                                .asString();
                        require(
                                violations,
                                allowedFrom.contains(namespace) && !peer.has("podSelector"),
                                Manifests.id(policy) + ": " + pod.name() + " may take traffic only from "
                                        + allowedFrom);
                        scraped |= namespace.equals("monitoring") && allowsPort(rule, pod);
                    }
                }
                for (JsonNode rule : policy.at("/spec/egress")) {
                    for (JsonNode port : rule.path("ports")) {
                        require(
                                violations,
                                Set.of(53, 9092, 5432)
                                        .contains(port.path("port").asInt()),
                                Manifests.id(policy) + ": egress only to DNS, Kafka and PostgreSQL, not port "
                                        + port.path("port"));
                    }
                }
            }
            JsonNode annotations = pod.deployment().at("/spec/template/metadata/annotations");
            require(
                    violations,
                    scraped
                            && "/q/metrics"
                                    .equals(annotations
                                            .path("prometheus.io/path")
                                            .asString())
                            && pod.port()
                                    .path("containerPort")
                                    .asString()
                                    .equals(annotations
                                            .path("prometheus.io/port")
                                            .asString()),
                    pod.name() + ": Prometheus (namespace monitoring) must be let in to scrape /q/metrics on its port");
        }
        String cluster = database(m).at("/metadata/name").asString();
        JsonNode kafkaPeers = m.ofKind("Kafka").get(0).at("/spec/kafka/listeners/0/networkPolicyPeers");
        for (Pod pod : Pod.all(m)) {
            boolean reachesDatabase = m.ofKind("NetworkPolicy").stream()
                    .filter(p -> cluster.equals(p.at("/spec/podSelector/matchLabels/cnpg.io~1cluster")
                            .asString()))
                    .flatMap(p -> stream(p.at("/spec/ingress")))
                    .filter(rule -> stream(rule.path("ports"))
                            .anyMatch(port -> port.path("port").asInt() == 5432))
                    .flatMap(rule -> stream(rule.path("from")))
                    .anyMatch(peer -> peer.has("podSelector") && selects(peer.path("podSelector"), pod.labels()));
            require(violations, reachesDatabase, pod.name() + ": the database's NetworkPolicy must let it in on 5432");
            require(
                    violations,
                    stream(kafkaPeers).anyMatch(peer -> selects(peer.path("podSelector"), pod.labels())),
                    pod.name() + ": Kafka's listener networkPolicyPeers must let it in");
        }
        return violations;
    }

    /** prod: Kafka on three brokers, PostgreSQL on three instances, every Deployment autoscaled, budgeted and spread. */
    static List<String> prodIsHighlyAvailable(Manifests m) {
        List<String> violations = new ArrayList<>();
        int brokers = m.ofKind("KafkaNodePool").stream()
                .filter(p -> texts(p.at("/spec/roles")).contains("broker"))
                .mapToInt(p -> p.at("/spec/replicas").asInt())
                .sum();
        require(violations, brokers >= 3, "Kafka needs 3 brokers, has " + brokers);
        JsonNode config = m.ofKind("Kafka").get(0).at("/spec/kafka/config");
        require(
                violations,
                config.path("default.replication.factor").asInt() >= 3
                        && config.path("min.insync.replicas").asInt() >= 2,
                "Kafka: replication factor 3, min.insync.replicas 2");
        require(violations, database(m).at("/spec/instances").asInt() >= 3, "PostgreSQL needs 3 instances");
        for (Pod pod : Pod.all(m)) {
            require(
                    violations,
                    maxReplicas(m, pod) > 1 && minReplicas(m, pod) >= 2,
                    pod.name() + ": autoscaled from at least 2 replicas");
            require(
                    violations,
                    m.ofKind("PodDisruptionBudget").stream()
                            .anyMatch(b -> selects(b.at("/spec/selector"), pod.labels())),
                    pod.name() + ": no PodDisruptionBudget");
            require(
                    violations,
                    stream(pod.spec().path("topologySpreadConstraints"))
                            .anyMatch(t -> "kubernetes.io/hostname"
                                            .equals(t.path("topologyKey").asString())
                                    && selects(t.path("labelSelector"), pod.labels())),
                    pod.name() + ": must spread across nodes");
        }
        require(
                violations,
                m.ofKind("Ingress").stream()
                        .anyMatch(i -> i.toString()
                                .contains("\"name\":\"" + Pod.of(m, App.WEB).name() + "\"")),
                "an Ingress must route to the web Service");
        return violations;
    }

    private static int maxReplicas(Manifests m, Pod pod) {
        if (pod.app() == App.WORKER) {
            return m.ofKind("ScaledObject").get(0).at("/spec/maxReplicaCount").asInt(100);
        }
        return m.ofKind("HorizontalPodAutoscaler").stream()
                .filter(h -> pod.name().equals(h.at("/spec/scaleTargetRef/name").asString()))
                .mapToInt(h -> h.at("/spec/maxReplicas").asInt())
                .findFirst()
                .orElse(pod.deployment().at("/spec/replicas").asInt(1));
    }

    private static int minReplicas(Manifests m, Pod pod) {
        if (pod.app() == App.WORKER) {
            return m.ofKind("ScaledObject").get(0).at("/spec/minReplicaCount").asInt(0);
        }
        return m.ofKind("HorizontalPodAutoscaler").stream()
                .filter(h -> pod.name().equals(h.at("/spec/scaleTargetRef/name").asString()))
                .mapToInt(h -> h.at("/spec/minReplicas").asInt(1))
                .findFirst()
                .orElse(pod.deployment().at("/spec/replicas").asInt(1));
    }

    private static JsonNode database(Manifests m) {
        return m.ofKind("Cluster").get(0);
    }

    private static List<String> queues(Pod worker) {
        return List.of(worker.setting("forkyard.worker.queues").split("\\s*,\\s*"));
    }

    private static boolean allowsPort(JsonNode rule, Pod pod) {
        return stream(rule.path("ports"))
                .anyMatch(p ->
                        p.path("port").asString().equals(pod.port().path("name").asString())
                                || p.path("port").asInt()
                                        == pod.port().path("containerPort").asInt());
    }

    /** Whether a label selector (matchLabels only) selects pods with these labels. */
    private static boolean selects(JsonNode selector, Map<String, String> labels) {
        JsonNode match = selector.path("matchLabels");
        if (match.isMissingNode() || match.isEmpty() || selector.has("matchExpressions")) {
            return false;
        }
        return match.properties().stream().allMatch(e -> e.getValue().asString().equals(labels.get(e.getKey())));
    }

    private static List<String> texts(JsonNode array) {
        return stream(array).map(JsonNode::asString).toList();
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }

    private static void require(List<String> violations, boolean kept, String rule) {
        if (!kept) {
            violations.add(rule);
        }
    }
}
