package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.testing.Processes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What happens to jobs and processes when a packaged worker is cancelled under, killed or stopped:
 * real OS processes, a real broker and PostgreSQL.
 */
class WorkerFaultsIT {

    private static Forkyard system;
    private static JobClient client;

    @BeforeAll
    static void start() throws Exception {
        system = new Forkyard().startWeb(Map.of("FORKYARD_WEB_SUBMIT_EXEC_PROGRAMS", "/bin/sleep"));
        client = system.client();
    }

    /** Every test's workers stop with it, so none takes another test's jobs. */
    @org.junit.jupiter.api.AfterEach
    void stopWorkers() throws Exception {
        for (AppProcess worker : system.workers) {
            worker.close();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        system.close();
        await().atMost(Duration.ofSeconds(15))
                .until(() -> Processes.withMarker(system.childMarker).isEmpty());
    }

    @Test
    void cancellingARunningJobKillsItsChildAndTheSlotRefills() throws Exception {
        AppProcess worker = system.startWorker(2);
        // Seconds of work; a child that finishes a job lives on: only the cancel's kill ends one.
        String id = client.submitOk("{\"type\":\"sha256\",\"input\":{\"text\":\"x\",\"rounds\":100000000}}");
        client.awaitStatus(id, "RUNNING", Duration.ofSeconds(20));
        List<Long> before = childrenOf(worker);
        assertThat(before).hasSize(2);

        assertThat(client.cancel(id).status()).isEqualTo(202);

        // One child, the one running the job, is killed; the idle one is kept.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> before.stream().filter(WorkerFaultsIT::alive).count() == 1);
        long killed = before.stream().filter(pid -> !alive(pid)).findFirst().orElseThrow();
        JsonNode cancelled = client.awaitStatus(id, "CANCELLED", Duration.ofSeconds(30));
        assertThat(cancelled.at("/error/code").asText()).isEqualTo("CANCELLED");
        assertThat(cancelled.at("/error/message").asText()).isEqualTo("cancelled while running");
        assertThat(cancelled.get("result").isNull()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> childrenOf(worker).size() == 2);
        assertThat(childrenOf(worker))
                .as("the killed child replaced by a new process, the other kept")
                .doesNotContain(killed)
                .containsAll(before.stream().filter(pid -> pid != killed).toList());
        assertThat(client.cancel(id).status()).isEqualTo(409);
        worker.close();
    }

    @Test
    void sigkillOfAWorkerWithBusyChildrenLeavesNoChildOrGrandchildAndTheJobsAreRescued() throws Exception {
        AppProcess worker = system.startWorker(2, Map.of("FORKYARD_WORKER_EXEC_ALLOWED_PROGRAMS", "/bin/sleep"));
        List<String> ids = List.of(
                client.submitOk(
                        "{\"type\":\"exec\",\"input\":{\"program\":\"sleep\",\"args\":[\"300\"]},\"maxAttempts\":1}"),
                client.submitOk(
                        "{\"type\":\"exec\",\"input\":{\"program\":\"sleep\",\"args\":[\"301\"]},\"maxAttempts\":1}"));
        for (String id : ids) {
            client.awaitStatus(id, "RUNNING", Duration.ofSeconds(20));
        }
        List<Long> children = childrenOf(worker);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> descendantsOf(children).size() == 2);
        List<Long> grandchildren = descendantsOf(children);

        worker.kill();

        await().atMost(Duration.ofSeconds(30)).until(() -> children.stream().noneMatch(WorkerFaultsIT::alive));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> grandchildren.stream().noneMatch(WorkerFaultsIT::alive));
        assertThat(Processes.withMarker(system.childMarker)).isEmpty();
        // Their lease expires (15 s by default) and the web tier's sweep ends them: no attempts left.
        for (String id : ids) {
            JsonNode job = client.awaitFinal(id, Duration.ofSeconds(40));
            assertThat(job.get("status").asText()).isEqualTo("FAILED");
            assertThat(job.at("/error/code").asText()).isEqualTo("LEASE_EXPIRED");
        }
    }

    @Test
    void sigtermLetsShortJobsFinishAndHandsLongOnesBackToTheQueue() throws Exception {
        AppProcess first = system.startWorker(2, Map.of("FORKYARD_WORKER_SHUTDOWN_GRACE", "PT3S"));
        String shortJob = client.submitOk("{\"type\":\"sleep\",\"input\":{\"millis\":1500}}");
        String longJob = client.submitOk("{\"type\":\"sleep\",\"input\":{\"millis\":8000}}");
        client.awaitStatus(shortJob, "RUNNING", Duration.ofSeconds(20));
        client.awaitStatus(longJob, "RUNNING", Duration.ofSeconds(20));

        first.close(); // SIGTERM, waits for the exit

        assertThat(client.get(shortJob).body().get("status").asText()).isEqualTo("SUCCEEDED");
        JsonNode handedBack = client.get(longJob).body();
        assertThat(handedBack.get("status").asText()).isEqualTo("QUEUED");
        assertThat(handedBack.get("attempt").asInt()).isZero();

        AppProcess second = system.startWorker(1);
        JsonNode done = client.awaitFinal(longJob, Duration.ofSeconds(40));
        assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(done.get("attempt").asInt()).isEqualTo(1);
        second.close();
    }

    /** The worker's children: processes whose parent is the worker. */
    private static List<Long> childrenOf(AppProcess worker) {
        return ProcessHandle.of(worker.pid())
                .map(p -> p.children()
                        .filter(c -> c.info()
                                .commandLine()
                                .map(l -> l.contains("--forkyard-child"))
                                .orElse(false))
                        .map(ProcessHandle::pid)
                        .toList())
                .orElse(List.of());
    }

    private static List<Long> descendantsOf(List<Long> pids) {
        return pids.stream()
                .flatMap(pid -> ProcessHandle.of(pid).stream())
                .flatMap(ProcessHandle::descendants)
                .map(ProcessHandle::pid)
                .toList();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
