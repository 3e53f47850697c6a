package io.forkyard.e2e;

import static org.awaitility.Awaitility.await;

import io.forkyard.auth.ApiKeys;
import io.forkyard.broker.LocalKafkaBroker;
import io.forkyard.testing.TestDatabase;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole system for an end-to-end test: a real broker, a database of its own, the packaged web
 * tier and any number of packaged workers, each its own OS process. Topic names and the child
 * marker are unique to the run. The web tier keeps its port across restarts.
 */
final class Forkyard implements AutoCloseable {

    final String run = UUID.randomUUID().toString().substring(0, 8);
    final String topicPrefix = "e2e" + run + ".";
    final String childMarker = "e2e-" + run;
    final LocalKafkaBroker broker;
    final TestDatabase database;
    final List<AppProcess> workers = new ArrayList<>();
    /** Web tiers started beside {@link #web}, each on a port of its own. */
    final List<AppProcess> otherWebs = new ArrayList<>();

    private final int webPort;
    /** The API key of tenant "e2e", made once the first web tier has migrated the database. */
    private String apiKey;

    private Map<String, String> webEnv = Map.of();
    private int webStarts;
    AppProcess web;

    Forkyard() throws Exception {
        this(TestDatabase.create("e2e"));
    }

    /** A system on a database of the caller's (e.g. in a throwaway PostgreSQL cluster). */
    Forkyard(TestDatabase database) throws Exception {
        this.database = database;
        this.broker = LocalKafkaBroker.start(Path.of("target", "kafka-" + run));
        this.webPort = freePort();
    }

    Forkyard startWeb() throws Exception {
        return startWeb(Map.of());
    }

    /** Starts the web tier; {@code extraEnv} adds settings, kept for restarts. */
    Forkyard startWeb(Map<String, String> extraEnv) throws Exception {
        webEnv = extraEnv;
        Map<String, String> env = new HashMap<>(common());
        env.put("FORKYARD_WEB_TOPIC_PREFIX", topicPrefix);
        env.putAll(extraEnv);
        web = new AppProcess("web-" + webStarts++ + "-" + run, "web-frontend", webPort, env).start();
        web.awaitReady(Duration.ofSeconds(90));
        if (apiKey == null) {
            apiKey = newApiKey("e2e");
        }
        return this;
    }

    /**
     * Starts one more web tier beside {@link #web}, on a port of its own, with the same topics:
     * every web process relays the outbox, rescues expired leases and prunes, so they share that
     * work. {@code extraEnv} adds settings.
     */
    AppProcess startAnotherWeb(Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new HashMap<>(common());
        env.put("FORKYARD_WEB_TOPIC_PREFIX", topicPrefix);
        env.putAll(extraEnv);
        AppProcess another =
                new AppProcess("web-other-" + otherWebs.size() + "-" + run, "web-frontend", freePort(), env).start();
        otherWebs.add(another);
        another.awaitReady(Duration.ofSeconds(90));
        return another;
    }

    /** SIGKILLs the web tier and starts it again on the same port and settings. */
    void killAndRestartWeb() throws Exception {
        web.kill();
        startWeb(webEnv);
    }

    /**
     * SIGKILLs the web tier while its outbox relay is mid-round: the broker is stopped (SIGSTOP) so
     * the relay waits for its acknowledgement with the rows it took from the outbox deleted in an
     * open transaction; the kill comes once PostgreSQL shows that transaction waiting. Then the
     * broker goes on and the web tier starts again.
     */
    void killWebWhileItsRelayWaitsForTheBroker() throws Exception {
        AppProcess.signal(broker.pid(), "STOP");
        try {
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(20))
                    .until(this::relayRoundOpen);
            web.kill();
        } finally {
            AppProcess.signal(broker.pid(), "CONT");
        }
        startWeb(webEnv);
    }

    /** Whether a relay's round has taken rows from the outbox and not yet committed. */
    private boolean relayRoundOpen() throws SQLException {
        return !database.strings("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND state = 'idle in transaction' AND query LIKE 'DELETE FROM job_outbox%'")
                .isEmpty();
    }

    AppProcess startWorker(int poolSize) throws Exception {
        return startWorker(poolSize, Map.of());
    }

    /** Starts a worker whose children carry {@link #childMarker}; {@code extraEnv} adds settings. */
    AppProcess startWorker(int poolSize, Map<String, String> extraEnv) throws Exception {
        int index = workers.size();
        Map<String, String> env = new HashMap<>(common());
        env.put("FORKYARD_WORKER_TOPIC_PREFIX", topicPrefix);
        env.put("FORKYARD_WORKER_ID", childMarker + "-w" + index);
        env.put("FORKYARD_WORKER_POOL_SIZE", Integer.toString(poolSize));
        env.putAll(extraEnv);
        AppProcess worker = new AppProcess("worker-" + index + "-" + run, "worker", freePort(), env).start();
        workers.add(worker);
        worker.awaitReady(Duration.ofSeconds(90));
        return worker;
    }

    /** A client of the web tier, as tenant "e2e". */
    JobClient client() {
        return new JobClient("http://127.0.0.1:" + webPort, apiKey);
    }

    /** A client of the web tier with an operator's key (README "Queues"), as tenant "ops". */
    JobClient operator() throws Exception {
        try (Connection c = database.connect()) {
            return new JobClient("http://127.0.0.1:" + webPort, ApiKeys.create(c, "ops", "e2e", true));
        }
    }

    /** A client of one particular web tier, e.g. one of {@link #otherWebs}, as tenant "e2e". */
    JobClient client(AppProcess webTier) {
        return new JobClient(webTier.baseUrl(), apiKey);
    }

    /** The API key of tenant "e2e" (null before the first web tier started). */
    String apiKey() {
        return apiKey;
    }

    /** A new API key of {@code tenant}, as {@code deploy/keys create} makes one. */
    String newApiKey(String tenant) throws Exception {
        try (Connection c = database.connect()) {
            return ApiKeys.create(c, tenant, "e2e");
        }
    }

    private Map<String, String> common() {
        return Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL", database.jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", database.user(),
                "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    }

    /** Stops everything, each step even when an earlier one failed, so no run leaves anything behind. */
    @Override
    public void close() throws Exception {
        try {
            for (AppProcess w : workers) {
                w.close();
            }
            for (AppProcess w : otherWebs) {
                w.close();
            }
            if (web != null) {
                web.close();
            }
        } finally {
            try {
                broker.close();
            } finally {
                database.close();
            }
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
