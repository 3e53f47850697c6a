package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.forkyard.testing.TestDatabase;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/local/run} as a user runs it, with two web tiers and one worker: the worker and then
 * the broker are SIGKILLed while jobs go in, the launcher restarts each (and says so), every
 * accepted job ends SUCCEEDED once, the stack still serves, and Ctrl-C leaves no process behind,
 * even while a restart is pending and with SIGINT ignored by whatever started the launcher.
 */
class LocalStackIT {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern PIDS = Pattern.compile("(kafka|web-\\d+|worker-\\d+)=(\\d+)");

    @Test
    void killedWorkerAndBrokerAreRestartedAndNoAcceptedJobIsLostOrDoneTwice() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "localstack-");
        Path output = data.resolve("run.out");
        int webPort = webPortWithNeighbours();
        try (TestDatabase database = TestDatabase.create("localstack")) {
            // Started as `nohup deploy/local/run &` or a CI runner starts it: with SIGINT ignored,
            // which bash can't trap, so the launcher must undo that for Ctrl-C to work.
            ProcessBuilder builder = new ProcessBuilder(
                            "bash",
                            "-c",
                            "trap '' INT; exec bash \"$0\"",
                            AppProcess.root().resolve("deploy/local/run").toString())
                    .directory(AppProcess.root().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            Map<String, String> env = builder.environment();
            env.put("FORKYARD_DATA", data.toString());
            env.put("FORKYARD_DB_NAME", database.name());
            env.put("FORKYARD_KAFKA_PORT", Integer.toString(Forkyard.freePort()));
            env.put("FORKYARD_KAFKA_CONTROLLER_PORT", Integer.toString(Forkyard.freePort()));
            env.put("FORKYARD_WEB_PORT", Integer.toString(webPort));
            env.put("FORKYARD_WEBS", "2");
            // The test command packages without training the AOT caches; deploy/local/run would
            // train them first (two minutes). deploy/bench/run train checks a start from them.
            env.put("FORKYARD_AOT", "off");
            env.put("FORKYARD_WORKERS", "1");
            env.put("FORKYARD_WORKER_POOL_SIZE", "2");
            env.put("FORKYARD_WORKER_LEASE", "PT3S");
            env.put(
                    "FORKYARD_JAVA",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString());
            Process launcher = builder.start();
            List<ProcessHandle> started = new ArrayList<>();
            try {
                String running = awaitLine(output, "forkyard: running", Duration.ofMinutes(3), launcher);
                Matcher key = Pattern.compile("API key: (\\S+)").matcher(running);
                assertThat(key.find()).as(running).isTrue();
                Map<String, Long> pids = pids(running);
                assertThat(pids).containsOnlyKeys("kafka", "web-1", "web-2", "worker-1");
                assertThat(running)
                        .contains("http://localhost:" + webPort + "/", "http://localhost:" + (webPort + 10) + "/");
                started.addAll(launcher.descendants().toList());

                JobClient first = new JobClient("http://127.0.0.1:" + webPort, key.group(1));
                JobClient second = new JobClient("http://127.0.0.1:" + (webPort + 10), key.group(1));
                Ledger ledger = new Ledger(database);
                Submitter one = new Submitter(first, ledger, 60, 20_000, Duration.ofMillis(50));
                Submitter two = new Submitter(second, ledger, 60, 20_000, Duration.ofMillis(50));
                Thread a = one.start();
                Thread b = two.start();

                await().atMost(Duration.ofSeconds(30)).until(() -> ledger.size() >= 20);
                ProcessHandle.of(pids.get("worker-1")).orElseThrow().destroyForcibly();
                String back = awaitLine(output, "forkyard: worker-1 is back", Duration.ofMinutes(2), launcher);
                assertThat(Files.readString(output)).contains("forkyard: worker-1 exited (killed by SIGKILL)");
                long worker =
                        Long.parseLong(back.lines().findFirst().orElseThrow().replaceAll(".*\\(pid (\\d+)\\).*", "$1"));

                ProcessHandle.of(pids.get("kafka")).orElseThrow().destroyForcibly();
                awaitLine(output, "forkyard: kafka is back", Duration.ofMinutes(2), launcher);
                assertThat(Files.readString(output)).contains("forkyard: kafka exited (killed by SIGKILL)");

                a.join(Duration.ofMinutes(3).toMillis());
                b.join(Duration.ofMinutes(3).toMillis());
                assertThat(one.failure).isNull();
                assertThat(two.failure).isNull();
                Ledger.Report report = ledger.settle("local-stack", Duration.ofMinutes(3));
                System.out.println(report);
                assertThat(report.accepted()).isEqualTo(120);
                ledger.assertAllSucceededOnce(report);

                // Still serving: both web tiers and the restarted worker are ready, and a new job runs.
                assertThat(ready(webPort)).isTrue();
                assertThat(ready(webPort + 10)).isTrue();
                assertThat(ready(webPort + 1)).isTrue();
                assertThat(ProcessHandle.of(worker).map(ProcessHandle::isAlive)).hasValue(true);
                String last = second.submitOk("{\"type\":\"noop\",\"input\":{}}");
                assertThat(first.awaitFinal(last, Duration.ofSeconds(60))
                                .get("status")
                                .asText())
                        .isEqualTo("SUCCEEDED");

                // Ctrl-C while a restart's backoff is pending: the worker is killed once more, and the
                // launcher is stopped before its backoff (2 s, its second restart) runs out.
                started.addAll(launcher.descendants().toList());
                ProcessHandle.of(worker).orElseThrow().destroyForcibly();
                awaitLine(output, "(restart 2)", Duration.ofSeconds(30), launcher);
                new ProcessBuilder("kill", "-INT", Long.toString(launcher.pid()))
                        .start()
                        .waitFor();
                assertThat(launcher.waitFor(60, TimeUnit.SECONDS))
                        .as("the launcher stops on Ctrl-C within the workers' shutdown grace (30 s) and a few seconds")
                        .isTrue();
                assertThat(Files.readString(output)).contains("forkyard: stopped.");
                await().atMost(Duration.ofSeconds(20))
                        .untilAsserted(() -> assertThat(started.stream().filter(ProcessHandle::isAlive))
                                .as("processes the launcher started")
                                .isEmpty());
            } finally {
                launcher.descendants().forEach(ProcessHandle::destroyForcibly);
                launcher.destroyForcibly();
                started.forEach(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** The last line of the launcher's output that contains {@code text}, once there is one. */
    private static String awaitLine(Path output, String text, Duration timeout, Process launcher) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(text)) {
                    // The "running" message spans several lines: return it whole.
                    return String.join("\n", lines.subList(i, lines.size()));
                }
            }
            if (!launcher.isAlive()) {
                throw new AssertionError(
                        "the launcher exited (" + launcher.exitValue() + "):\n" + String.join("\n", lines));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no \"" + text + "\" within " + timeout + ":\n" + Files.readString(output));
    }

    private static Map<String, Long> pids(String running) {
        Map<String, Long> pids = new HashMap<>();
        Matcher m = PIDS.matcher(
                running.lines().filter(l -> l.contains("pids:")).findFirst().orElse(""));
        while (m.find()) {
            pids.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return pids;
    }

    private static boolean ready(int port) {
        try {
            HttpResponse<Void> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /** A free port whose +1 (the worker) and +10 (the second web tier) are free too. */
    private static int webPortWithNeighbours() throws Exception {
        for (int i = 0; i < 50; i++) {
            int port = Forkyard.freePort();
            if (port < 65_000 && free(port + 1) && free(port + 10)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port with free neighbours");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
