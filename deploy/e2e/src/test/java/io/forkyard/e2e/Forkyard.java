package io.forkyard.e2e;

import io.forkyard.broker.LocalKafkaBroker;
import io.forkyard.testing.TestDatabase;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole system for an end-to-end test: a real broker, a database of its own, the packaged web
 * tier and any number of packaged workers, each its own OS process. Topic names and the child
 * marker are unique to the run.
 */
final class Forkyard implements AutoCloseable {

    final String run = UUID.randomUUID().toString().substring(0, 8);
    final String topicPrefix = "e2e" + run + ".";
    final String childMarker = "e2e-" + run;
    final LocalKafkaBroker broker;
    final TestDatabase database;
    final List<AppProcess> workers = new ArrayList<>();
    AppProcess web;

    Forkyard() {
        database = TestDatabase.create("e2e");
        broker = LocalKafkaBroker.start(Path.of("target", "kafka-" + run));
    }

    Forkyard startWeb() throws Exception {
        web = new AppProcess(
                        "web-" + run,
                        "web-frontend",
                        freePort(),
                        Map.of(
                                "QUARKUS_DATASOURCE_JDBC_URL", database.jdbcUrl(),
                                "QUARKUS_DATASOURCE_USERNAME", database.user(),
                                "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                                "FORKYARD_WEB_TOPIC_PREFIX", topicPrefix))
                .start();
        web.awaitReady(Duration.ofSeconds(90));
        return this;
    }

    AppProcess startWorker(int poolSize) throws Exception {
        return startWorker(poolSize, Map.of());
    }

    /** Starts a worker whose children carry {@link #childMarker}; {@code extraEnv} adds settings. */
    AppProcess startWorker(int poolSize, Map<String, String> extraEnv) throws Exception {
        int index = workers.size();
        Map<String, String> env = new HashMap<>(Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL", database.jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", database.user(),
                "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "FORKYARD_WORKER_TOPIC_PREFIX", topicPrefix,
                "FORKYARD_WORKER_ID", childMarker + "-w" + index,
                "FORKYARD_WORKER_POOL_SIZE", Integer.toString(poolSize)));
        env.putAll(extraEnv);
        AppProcess worker = new AppProcess("worker-" + index + "-" + run, "worker", freePort(), env).start();
        workers.add(worker);
        worker.awaitReady(Duration.ofSeconds(90));
        return worker;
    }

    JobClient client() {
        return new JobClient(web.baseUrl());
    }

    @Override
    public void close() throws Exception {
        for (AppProcess w : workers) {
            w.close();
        }
        if (web != null) {
            web.close();
        }
        broker.close();
        database.close();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
