package io.forkyard.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Runs a single-node KRaft Apache Kafka broker (broker and controller in one JVM) on 127.0.0.1.
 *
 * <p>Formats the storage directory on first use, starts the broker through Kafka's own main, waits
 * until an admin client can describe the cluster, then prints {@value #READY_MARKER} and the
 * bootstrap address on stdout. With {@code --exit-on-stdin-close} the broker exits when its stdin
 * closes, so a test JVM that dies (even by SIGKILL) never leaves a broker behind.
 *
 * <p>Arguments: {@code --data-dir DIR --port P --controller-port C [--exit-on-stdin-close]}.
 */
public final class BrokerMain {

    /** Printed on stdout, followed by a space and the bootstrap address, once the broker serves. */
    public static final String READY_MARKER = "FORKYARD_KAFKA_READY";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private BrokerMain() {}

    public static void main(String[] args) throws Exception {
        BrokerSettings settings = BrokerSettings.parse(args);
        Files.createDirectories(settings.dataDir());
        Path properties = settings.writeProperties();
        if (!Files.exists(settings.logDir().resolve("meta.properties"))) {
            format(settings, properties);
        }
        if (settings.exitOnStdinClose()) {
            Thread watchdog = new Thread(() -> exitWhenClosed(System.in), "stdin-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }
        Thread readiness = new Thread(() -> announceWhenReady(settings), "readiness");
        readiness.setDaemon(true);
        readiness.start();
        // Blocks until the broker shuts down; installs Kafka's own shutdown hook for SIGTERM.
        kafka.Kafka.main(new String[] {properties.toString()});
    }

    private static void format(BrokerSettings settings, Path properties) throws Exception {
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        PrintStream out = System.err;
        StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", properties.toString(), "--standalone"}, out);
        Files.writeString(settings.dataDir().resolve("cluster.id"), clusterId);
    }

    private static void announceWhenReady(BrokerSettings settings) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        try (Admin admin = Admin.create(config)) {
            while (Instant.now().isBefore(deadline)) {
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(3, TimeUnit.SECONDS)
                            .isEmpty()) {
                        System.out.println(READY_MARKER + " " + settings.bootstrapServers());
                        System.out.flush();
                        return;
                    }
                } catch (Exception notYet) {
                    Thread.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.err.println("Kafka broker did not become ready within " + READY_TIMEOUT);
        Runtime.getRuntime().halt(3);
    }

    private static void exitWhenClosed(InputStream in) {
        try {
            while (in.read() >= 0) {
                // discard: stdin exists only so that its closing stops the broker
            }
        } catch (IOException ignored) {
            // a broken pipe means the same as end of input
        }
        System.exit(0);
    }
}
