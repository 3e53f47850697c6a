package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Fault 1: 1,000 CPU jobs while two workers are SIGKILLed in turn every few seconds and restarted.
 * Each kill is aimed at a worker, and a moment, holding claimed jobs, and the test checks from the
 * attempt history that kills did hit such jobs and that each was rescued and succeeded exactly once.
 * A soak version runs with {@code -Dforkyard.soak.jobs=20000 -Dforkyard.soak.kills=60} (the kills
 * go on until the jobs are all submitted and at least that many kills were done).
 */
class KillWorkersIT {

    private static final int JOBS = Integer.getInteger("forkyard.soak.jobs", 1_000);
    private static final int MIN_KILLS = Integer.getInteger("forkyard.soak.kills", 4);

    private static final Map<String, String> FAST_LEASE = Map.of("FORKYARD_WORKER_LEASE", "PT3S");

    @Test
    void workersKilledEveryFewSecondsLoseNoJobAndWriteNoResultTwice() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb();
            AppProcess[] workers = {system.startWorker(1, FAST_LEASE), system.startWorker(1, FAST_LEASE)};
            Ledger ledger = new Ledger(system.database);
            Submitter submitter = new Submitter(system.client(), ledger, JOBS, 20_000, Duration.ofMillis(5));
            Thread submitting = submitter.start();

            int kills = 0;
            Set<String> killed = new HashSet<>();
            long end = System.nanoTime()
                    + Duration.ofMinutes(3L * Math.max(1, JOBS / 1_000)).toNanos();
            while ((submitting.isAlive() || kills < MIN_KILLS) && System.nanoTime() < end) {
                Thread.sleep(3_000);
                Kill kill = killOneHolding(system, workers, kills % 2, submitting, Duration.ofSeconds(30));
                killed.add(kill.name());
                kills++;
                System.out.printf(
                        "FAULT kill-workers: kill %d, of %s holding %d job(s)%n", kills, kill.name(), kill.held());
                workers[kill.index()] = system.startWorker(1, FAST_LEASE);
            }
            submitting.join(Duration.ofMinutes(3L * Math.max(1, JOBS / 1_000)).toMillis());
            assertThat(submitter.failure).isNull();

            Ledger.Report report = ledger.settle("kill-workers kills=" + kills, Duration.ofMinutes(3));
            assertThat(report.accepted()).isEqualTo(JOBS);
            assertThat(kills).isGreaterThanOrEqualTo(MIN_KILLS);
            ledger.assertAllSucceededOnce(report);

            // A kill that hit nothing would prove nothing: some attempt of a killed worker must have
            // been closed by the rescue, and every such job then succeeded once, in a later attempt.
            Map<UUID, List<String[]>> history = attempts(system);
            Map<String, Integer> perWorker = new java.util.TreeMap<>();
            history.values().forEach(as -> as.forEach(a -> perWorker.merge(a[1], 1, Integer::sum)));
            System.out.println("FAULT kill-workers: attempts per worker " + perWorker);
            Map<UUID, Integer> rescued = new HashMap<>();
            history.forEach((job, attempts) -> attempts.stream()
                    .filter(a -> "LEASE_EXPIRED".equals(a[2]) && killed.stream().anyMatch(a[1]::startsWith))
                    .forEach(a -> rescued.merge(job, Integer.parseInt(a[0]), Math::max)));
            assertThat(rescued).as("jobs a killed worker held when it died").isNotEmpty();
            rescued.forEach((job, lastExpired) -> {
                List<Integer> succeeded = history.get(job).stream()
                        .filter(a -> "SUCCEEDED".equals(a[2]))
                        .map(a -> Integer.parseInt(a[0]))
                        .toList();
                assertThat(succeeded).as("successful attempts of " + job).hasSize(1);
                assertThat(succeeded.get(0)).as("the attempt that succeeded").isGreaterThan(lastExpired);
            });
            System.out.printf(
                    "FAULT kill-workers: %d kill(s); %d job(s) held by a killed worker, each rescued and succeeded once%n",
                    kills, rescued.size());
        }
    }

    /** The prefix of a worker's id in leases and attempts: {@code <marker>-w<index>-}. */
    private static String workerName(Forkyard system, AppProcess worker) {
        return system.childMarker + "-w" + system.workers.indexOf(worker) + "-";
    }

    /** A kill: which of the two workers, its name, and how many jobs it held. */
    private record Kill(int index, String name, int held) {}

    /**
     * SIGKILLs one of the two workers while it holds claimed jobs, so the kill has work to hit: the
     * one whose turn it is if it holds any, else the other (one worker may get all the records for a
     * while). A job is held for a few milliseconds here, so seeing it held and killing are not
     * enough: the worker is frozen (SIGSTOP) first, and killed if it still holds jobs once anything
     * it had sent has landed, else woken to try again. When nothing is left to submit or run, or
     * after {@code patience}, the worker whose turn it is is killed anyway.
     */
    private static Kill killOneHolding(
            Forkyard system, AppProcess[] workers, int turn, Thread submitting, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline && (submitting.isAlive() || unfinished(system) > 0)) {
            for (int i : new int[] {turn, 1 - turn}) {
                String name = workerName(system, workers[i]);
                if (holding(system, name) == 0) {
                    continue;
                }
                workers[i].signal("STOP");
                Thread.sleep(200);
                int held = holding(system, name);
                if (held > 0) {
                    workers[i].kill();
                    return new Kill(i, name, held);
                }
                workers[i].signal("CONT");
            }
            Thread.sleep(20);
        }
        workers[turn].kill();
        return new Kill(turn, workerName(system, workers[turn]), 0);
    }

    /** Jobs not yet final. */
    private static int unfinished(Forkyard system) throws Exception {
        try (Connection c = system.database.connect();
                PreparedStatement s =
                        c.prepareStatement("SELECT count(*) FROM job WHERE status IN ('QUEUED', 'RUNNING')");
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Jobs RUNNING under a lease of the worker. */
    private static int holding(Forkyard system, String name) throws Exception {
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT count(*) FROM job WHERE status = 'RUNNING' AND starts_with(lease_owner, ?)")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Every job's attempts: {attempt, worker, outcome}. */
    private static Map<UUID, List<String[]>> attempts(Forkyard system) throws Exception {
        Map<UUID, List<String[]>> history = new HashMap<>();
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement("SELECT job_id, attempt, worker, outcome FROM job_attempt");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                history.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>())
                        .add(new String[] {Integer.toString(rs.getInt(2)), rs.getString(3), rs.getString(4)});
            }
        }
        return history;
    }
}
