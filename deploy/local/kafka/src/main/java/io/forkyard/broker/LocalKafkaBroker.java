package io.forkyard.broker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts {@link BrokerMain} as a separate JVM and waits until it serves: the one way the tests,
 * the end-to-end suite and {@code deploy/local/run} get a real Kafka broker without Docker.
 *
 * <p>The broker's classpath is this module's {@code target/classes} (or jar) plus {@code
 * target/lib}, which the build fills with the Kafka 4.3 jars. The broker exits when this JVM
 * closes its stdin, so even a SIGKILLed test run leaves no broker behind. Its stderr goes to
 * {@code <data-dir>/broker.log}.
 *
 * <p>Not thread-safe; one instance is one broker. {@link #kill()} and {@link #restart()} exist for
 * fault tests: the restarted broker keeps its data directory and ports.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private Process process;

    private LocalKafkaBroker(Path dataDir, int port, int controllerPort) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Formats {@code dataDir} if needed and starts a broker on free loopback ports. */
    public static LocalKafkaBroker start(Path dataDir) {
        LocalKafkaBroker broker = new LocalKafkaBroker(dataDir.toAbsolutePath(), freePort(), freePort());
        broker.launch();
        return broker;
    }

    /** {@code 127.0.0.1:port}, for {@code kafka.bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The broker's process id, for a test that stops it (SIGSTOP) rather than kills it. */
    public long pid() {
        return process.pid();
    }

    /** SIGKILL, no clean shutdown: what a crash looks like to clients. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor(process, STOP_TIMEOUT);
        }
    }

    /** Starts the broker again on the same ports and data, after {@link #kill()} or {@link #close()}. */
    public void restart() {
        if (isAlive()) {
            throw new IllegalStateException("broker still running");
        }
        launch();
    }

    /** SIGTERM and wait for Kafka's clean shutdown; SIGKILL if it takes too long. */
    @Override
    public void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!waitFor(process, STOP_TIMEOUT)) {
            process.destroyForcibly();
            waitFor(process, STOP_TIMEOUT);
        }
    }

    private void launch() {
        try {
            Files.createDirectories(dataDir);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
            command.addAll(List.of("-cp", classpath()));
            command.add(BrokerMain.class.getName());
            command.addAll(List.of("--data-dir", dataDir.toString()));
            command.addAll(List.of("--port", Integer.toString(port)));
            command.addAll(List.of("--controller-port", Integer.toString(controllerPort)));
            command.add("--exit-on-stdin-close");
            process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(
                            dataDir.resolve("broker.log").toFile()))
                    .start();
            awaitReady();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the Kafka broker in " + dataDir, e);
        }
    }

    private void awaitReady() {
        Process started = process;
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith(BrokerMain.READY_MARKER)) {
                        return line;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String line = ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new IllegalStateException(
                        "Kafka broker exited before it was ready; see " + dataDir.resolve("broker.log"));
            }
        } catch (TimeoutException | ExecutionException e) {
            started.destroyForcibly();
            throw new IllegalStateException(
                    "Kafka broker not ready within " + START_TIMEOUT + "; see " + dataDir.resolve("broker.log"), e);
        } catch (InterruptedException e) {
            started.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the Kafka broker", e);
        }
    }

    /** The broker module's classes plus the Kafka jars that its build copied into target/lib. */
    static String classpath() {
        String override = System.getProperty("forkyard.kafka.lib");
        try {
            Path self = Path.of(BrokerMain.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path lib = override != null ? Path.of(override) : self.getParent().resolve("lib");
            if (!Files.isDirectory(lib)) {
                throw new IllegalStateException("no Kafka jars at " + lib
                        + ": build deploy/local/kafka first (./mvnw -pl deploy/local/kafka package)"
                        + " or set -Dforkyard.kafka.lib");
            }
            return self + java.io.File.pathSeparator + lib.resolve("*");
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
