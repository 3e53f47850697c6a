package io.forkyard.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One packaged Quarkus application ({@code target/quarkus-app/quarkus-run.jar}) running as its own
 * OS process, configured only through environment variables, as an operator would run it. Output
 * goes to a log file under the e2e module's {@code target/}.
 */
final class AppProcess implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * Where each job's record went, at debug, in every app's log: the relay's marks and publishes,
     * and each record a worker took and what it did with it (claimed, skipped, released, renewed,
     * rejected, handed back). A job that waits in a test can then be followed through one run.
     */
    private static final Map<String, String> TRACE_RECORDS = Map.of(
            "QUARKUS_LOG_CATEGORY__IO_FORKYARD_WEB_DISPATCH__LEVEL", "DEBUG",
            "QUARKUS_LOG_CATEGORY__IO_FORKYARD_WORKER_INTAKE__LEVEL", "DEBUG",
            "QUARKUS_LOG_CATEGORY__IO_FORKYARD_WORKER_LEASE__LEVEL", "DEBUG");

    private final String name;
    private final Path jar;
    private final Map<String, String> env;
    private final int httpPort;
    private final Path log;
    private Process process;

    AppProcess(String name, String module, int httpPort, Map<String, String> env) {
        this.name = name;
        this.jar = root().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        this.httpPort = httpPort;
        this.env = env;
        this.log = Path.of("target", "e2e-logs", name + ".log").toAbsolutePath();
    }

    static Path root() {
        return Path.of(System.getProperty("forkyard.root", "../.."))
                .toAbsolutePath()
                .normalize();
    }

    AppProcess start() throws IOException {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package the applications first (./mvnw verify)");
        }
        Files.createDirectories(log.getParent());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                // C1 only: a test's app lives a minute or two, and C2 spent more CPU compiling than
                // it saved on so short a run (the suite runs two tests at once on two cores).
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(TRACE_RECORDS);
        builder.environment().putAll(env);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        process = builder.start();
        return this;
    }

    /** Waits until {@code /q/health/ready} answers 200. */
    void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> ready = HTTP.send(
                        HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " not ready within " + timeout + "; see " + log);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** The file the process's output goes to. */
    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}, ...) to the process. */
    void signal(String name) throws Exception {
        signal(process.pid(), name);
    }

    /** Sends signal {@code name} (STOP, CONT, ...) to process {@code pid}. */
    static void signal(long pid, String name) throws Exception {
        Process kill = new ProcessBuilder("/bin/kill", "-" + name, Long.toString(pid))
                .inheritIO()
                .start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + pid + " failed");
        }
    }

    /** SIGKILL: no shutdown hooks, no grace. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL if it does not stop in time. */
    @Override
    public void close() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
