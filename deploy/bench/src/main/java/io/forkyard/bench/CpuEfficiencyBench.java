package io.forkyard.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * W2 of README "Targets", CPU efficiency: {@code jobs} {@code sha256} jobs of {@code rounds} rounds through
 * the running system; efficiency = jobs × t1 / (wall × cores), where t1 is the CPU time of one such
 * job computed in a plain loop in this JVM (warmed up, median of several). 1.0 would mean the
 * system adds nothing to the bare computation and keeps every core busy.
 *
 * <p>Every digest is checked against this JVM's own computation after the wall time is taken, so
 * the check does not compete with the system for CPU.
 */
final class CpuEfficiencyBench {

    private static final Duration WARM_UP = Duration.ofSeconds(3);

    private CpuEfficiencyBench() {}

    static void run(Args args) throws Exception {
        JobApi api = new JobApi(args.required("url"));
        int cores = Integer.parseInt(args.required("cores"));
        int jobs = args.integer("jobs", 200);
        int rounds = args.integer("rounds", 200_000);
        int runs = args.integer("runs", 1);
        int batchSize = args.integer("batch-size", jobs);
        // The whole system's JIT (broker, web tier, worker, children) warms on jobs of the same kind.
        int warmupJobs = args.integer("warmup-jobs", jobs);
        Duration timeout = Duration.ofSeconds(args.integer("timeout-seconds", 900));

        double t1 = cpuSecondsOfOneJob(rounds, args.integer("t1-samples", 21));
        String pids = args.string("pids", "");
        ProcessCpu cpu = pids.isBlank() ? null : new ProcessCpu(pids);
        System.out.printf(Locale.ROOT, "w2: t1 = %.4f s CPU (one job of %d rounds, plain loop)%n", t1, rounds);

        try (JobTable table = new JobTable(
                args.required("jdbc"), args.string("db-user", "postgres"), args.string("db-password", ""))) {
            if (warmupJobs > 0) {
                EndToEndRun warm = EndToEndRun.execute(api, table, jobs("warmup", warmupJobs, rounds), 100, timeout);
                System.out.printf(
                        Locale.ROOT,
                        "w2: warm-up, %d jobs (every process's JIT), %.2f s%n",
                        warmupJobs,
                        warm.wallSeconds());
            }
            List<Double> walls = new ArrayList<>();
            List<Double> efficiencies = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                List<ObjectNode> submitted = jobs("run" + run, jobs, rounds);
                Map<String, Long> cpuBefore = cpu == null ? null : cpu.sample();
                EndToEndRun result = EndToEndRun.execute(api, table, submitted, batchSize, timeout);
                Map<String, Long> cpuAfter = cpu == null ? null : cpu.sample();
                double wall = result.wallSeconds();
                double efficiency = jobs * t1 / (wall * cores);
                long mismatches = mismatches(submitted, result, rounds, cores);
                System.out.printf(
                        Locale.ROOT,
                        "run %d: wall %.3f s, efficiency %.3f (%d × %.4f s / (%.3f s × %d cores)), "
                                + "succeeded %d, failed %d, unfinished %d, retried %d, digest mismatches %d%n",
                        run,
                        wall,
                        efficiency,
                        jobs,
                        t1,
                        wall,
                        cores,
                        result.count("SUCCEEDED"),
                        result.count("FAILED"),
                        result.unfinished(),
                        result.retried(),
                        mismatches);
                System.out.println("  " + result.phases());
                if (cpu != null) {
                    System.out.println("  " + ProcessCpu.perJob(cpuBefore, cpuAfter, jobs));
                }
                if (result.count("SUCCEEDED") != jobs) {
                    System.out.println("  not all jobs succeeded:" + result.describeFailures());
                }
                walls.add(wall);
                efficiencies.add(efficiency);
            }
            System.out.println(Stats.summary("w2 wall", walls, "s", "%.3f"));
            System.out.println(Stats.summary("w2 efficiency", efficiencies, "", "%.3f"));
        }
    }

    /** Distinct texts per run, so no result can come from an earlier run. */
    private static List<ObjectNode> jobs(String tag, int count, int rounds) {
        String unique = UUID.randomUUID().toString().substring(0, 8);
        List<ObjectNode> jobs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ObjectNode input = JobApi.JSON.createObjectNode();
            input.put("text", "w2-" + tag + "-" + unique + "-" + i);
            input.put("rounds", rounds);
            jobs.add(JobApi.job("sha256", input));
        }
        return jobs;
    }

    /**
     * t1: CPU time of the bare loop, median of {@code samples}, after a warm-up long enough for the
     * JIT's optimizing tier: a few loops are not, least of all while the just-started system still
     * competes for the cores, and a t1 measured on slower code makes the efficiency look better.
     */
    private static double cpuSecondsOfOneJob(int rounds, int samples) throws NoSuchAlgorithmException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        byte[] input = "w2-t1".getBytes(StandardCharsets.UTF_8);
        long warmUntil = System.nanoTime() + WARM_UP.toNanos();
        for (int i = 0; i < 20 || System.nanoTime() < warmUntil; i++) {
            sha256Chain(input, rounds);
        }
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            long start = threads.getCurrentThreadCpuTime();
            sha256Chain(input, rounds);
            seconds.add((threads.getCurrentThreadCpuTime() - start) / 1e9);
        }
        System.out.println(Stats.summary("w2 t1 samples", seconds, "s", "%.4f"));
        return Stats.median(seconds);
    }

    /** The same computation as the {@code sha256} handler, written independently of it. */
    static String sha256Chain(byte[] input, int rounds) throws NoSuchAlgorithmException {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] d = input;
        for (int i = 0; i < rounds; i++) {
            d = sha256.digest(d);
        }
        return HexFormat.of().formatHex(d);
    }

    /** Succeeded jobs whose digest differs from this JVM's; failed ones are counted apart. */
    private static long mismatches(List<ObjectNode> submitted, EndToEndRun result, int rounds, int threads)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> checks = new ArrayList<>();
            for (int i = 0; i < submitted.size(); i++) {
                byte[] text = submitted.get(i).at("/input/text").asText().getBytes(StandardCharsets.UTF_8);
                JobTable.Row row = result.rows().get(result.ids().get(i));
                checks.add(pool.submit(() -> row != null
                        && row.status().equals("SUCCEEDED")
                        && !sha256Chain(text, rounds).equals(row.hex())));
            }
            long mismatches = 0;
            for (Future<Boolean> check : checks) {
                mismatches += check.get() ? 1 : 0;
            }
            return mismatches;
        } finally {
            pool.shutdownNow();
        }
    }
}
