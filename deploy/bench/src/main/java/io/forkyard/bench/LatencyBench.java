package io.forkyard.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * W3 of README "Targets", latency at a steady rate: {@code noop} jobs sent at {@code --rate} (50) per second
 * for {@code --seconds} (60), each with one {@code POST /api/jobs} on a fixed open-loop schedule
 * ({@link OpenLoopSender}); a job's latency is its {@code finished_at} in PostgreSQL minus this
 * client's wall clock just before its request. Both clocks are this machine's (the benchmark runs
 * next to the database), so the difference needs no clock sync; with {@code BENCH_URL} on another
 * machine it would include the clocks' offset.
 *
 * <p>The figure is what a submitter waits from handing a job over until it is done when the
 * system is not saturated: submit path, dispatch, delivery, claim, the child's round trip and the
 * completion write, queueing included. It reports nearest-rank p50, p95, p99 and max over the
 * succeeded jobs of a run, the way the peers define it (BullMQ: jobs added on a fixed 20 ms
 * schedule, latency = finishedOn − enqueue time, nearest-rank over the 3,000 jobs of one run), and
 * how late the sends were against their slots, which says whether the client kept the schedule. A
 * warm-up at the same rate ({@code --warmup-seconds}, 5) is not counted.
 *
 * <p>With {@code --pids} (the run script passes the system it started) each run also prints the
 * CPU every process spent per job over the run, PostgreSQL's backends included: at this rate
 * nothing amortizes, so it is what one job of a trickle costs. Before the first run it measures
 * the system idle for {@code --idle-seconds} (10): the CPU each process spends a second, and the
 * round trips a second ({@link RoundTrips}); each run then prints its round trips per job, idle
 * ones not subtracted (the database's counters are read after they settle, {@value
 * #SETTLE_SECONDS} s after the run, and that wait's idle share is taken off).
 */
final class LatencyBench {

    /** PostgreSQL 15 reports a backend's counters when it goes idle, at the latest 10 s later. */
    static final int SETTLE_SECONDS = 11;

    private LatencyBench() {}

    static void run(Args args) throws Exception {
        JobApi api = new JobApi(args.required("url"));
        int rate = args.integer("rate", 50);
        int seconds = args.integer("seconds", 60);
        int warmupSeconds = args.integer("warmup-seconds", 5);
        int idleSeconds = args.integer("idle-seconds", 10);
        int runs = args.integer("runs", 1);
        Duration timeout = Duration.ofSeconds(args.integer("timeout-seconds", 300));
        if (rate < 1 || seconds < 1 || warmupSeconds < 0) {
            throw new IllegalArgumentException("--rate and --seconds take 1 or more, --warmup-seconds 0 or more");
        }
        System.out.printf(
                Locale.ROOT,
                "w3: noop jobs at %d/s for %d s per run (%d jobs, one POST /api/jobs each at t0 + i/%d s, not"
                        + " waiting for answers), %d s warm-up, %d run(s)%n",
                rate,
                seconds,
                rate * seconds,
                rate,
                warmupSeconds,
                runs);
        List<Double> p50s = new ArrayList<>();
        List<Double> p95s = new ArrayList<>();
        List<Double> p99s = new ArrayList<>();
        List<Double> maxima = new ArrayList<>();
        List<Double> lateness = new ArrayList<>();
        List<Double> cpuPerJob = new ArrayList<>();
        String pids = args.string("pids", "");
        ProcessCpu cpu = pids.isBlank() ? null : new ProcessCpu(pids);
        try (JobTable table = new JobTable(
                        args.required("jdbc"), args.string("db-user", "postgres"), args.string("db-password", ""));
                RoundTrips trips = RoundTrips.open(
                        ProcessCpu.pids(pids).getOrDefault("broker", 0L),
                        args.required("jdbc"),
                        args.string("db-user", "postgres"),
                        args.string("db-password", ""))) {
            if (warmupSeconds > 0) {
                Run warm = Run.execute(api, table, rate, rate * warmupSeconds, timeout);
                System.out.printf(
                        Locale.ROOT,
                        "w3: warm-up, %d jobs, latency p50 %s ms, max %s ms%n",
                        warm.sends().ids().size(),
                        warm.millis(50),
                        warm.millis(100));
            }
            Idle idle = idleSeconds > 0 ? Idle.measure(cpu, trips, idleSeconds) : null;
            Map<String, Long> tripsBefore = trips.sample();
            for (int run = 1; run <= runs; run++) {
                Map<String, Long> cpuBefore = cpu == null ? null : cpu.sample();
                Run result = Run.execute(api, table, rate, rate * seconds, timeout);
                Map<String, Long> cpuAfter = cpu == null ? null : cpu.sample();
                long settledAt = System.nanoTime();
                Thread.sleep(SETTLE_SECONDS * 1000L);
                Map<String, Long> tripsAfter = trips.sample();
                EndToEndRun jobs = result.jobs();
                OpenLoopSender.Sends sends = result.sends();
                System.out.printf(
                        Locale.ROOT,
                        "run %d: latency p50 %s ms, p95 %s ms, p99 %s ms, max %s ms over %d succeeded jobs;"
                                + " failed %d, unfinished %d, not accepted %d, retried %d%n",
                        run,
                        result.millis(50),
                        result.millis(95),
                        result.millis(99),
                        result.millis(100),
                        result.latencyMicros().length,
                        jobs.count("FAILED"),
                        jobs.unfinished(),
                        sends.notAccepted(),
                        jobs.retried());
                long[] late = Stats.sorted(sends.latenessNanos());
                long[] answered = Stats.sorted(sends.answerNanos());
                System.out.printf(
                        Locale.ROOT,
                        "  sends: %d over %.3f s, late against their slot p99 %.2f ms, max %.2f ms;"
                                + " POST answered p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                        sends.ids().size(),
                        sends.span().toNanos() / 1e9,
                        Stats.percentile(late, 99) / 1e6,
                        late[late.length - 1] / 1e6,
                        Stats.percentile(answered, 50) / 1e6,
                        Stats.percentile(answered, 99) / 1e6,
                        answered[answered.length - 1] / 1e6);
                System.out.println("  " + jobs.phases());
                if (cpu != null) {
                    int count = sends.ids().size();
                    double system = ProcessCpu.systemMillisPerJob(cpuBefore, cpuAfter, count);
                    System.out.printf(
                            Locale.ROOT,
                            "  %s; system (all but bench) %.2f ms per job%n",
                            ProcessCpu.perJob(cpuBefore, cpuAfter, count),
                            system);
                    cpuPerJob.add(system);
                }
                System.out.println("  "
                        + RoundTrips.per(
                                "job",
                                tripsBefore,
                                idle == null
                                        ? tripsAfter
                                        : idle.less(tripsAfter, (System.nanoTime() - settledAt) / 1e9),
                                sends.ids().size()));
                tripsBefore = trips.sample();
                if (sends.firstError() != null) {
                    System.out.println("  first request not accepted: " + sends.firstError());
                }
                if (jobs.count("SUCCEEDED") != sends.ids().size()) {
                    System.out.println("  not all jobs succeeded:" + jobs.describeFailures());
                }
                if (result.latencyMicros().length > 0) {
                    p50s.add(result.percentileMillis(50));
                    p95s.add(result.percentileMillis(95));
                    p99s.add(result.percentileMillis(99));
                    maxima.add(result.percentileMillis(100));
                }
                lateness.add(late[late.length - 1] / 1e6);
            }
        }
        if (!p50s.isEmpty()) {
            System.out.println(Stats.summary("w3 latency p50", p50s, "ms", "%.1f"));
            System.out.println(Stats.summary("w3 latency p95", p95s, "ms", "%.1f"));
            System.out.println(Stats.summary("w3 latency p99", p99s, "ms", "%.1f"));
            System.out.println(Stats.summary("w3 latency max", maxima, "ms", "%.1f"));
        }
        if (!cpuPerJob.isEmpty()) {
            System.out.println(Stats.summary("w3 cpu per job", cpuPerJob, "ms", "%.2f"));
        }
        System.out.println(Stats.summary("w3 send lateness max", lateness, "ms", "%.2f"));
    }

    /** The system idle: its round trips a second, to take off a wait's share. */
    private record Idle(Map<String, Double> tripsPerSecond) {

        static Idle measure(ProcessCpu cpu, RoundTrips trips, int seconds) throws Exception {
            Thread.sleep(SETTLE_SECONDS * 1000L); // the warm-up's counters settle
            Map<String, Long> cpuBefore = cpu == null ? null : cpu.sample();
            Map<String, Long> before = trips.sample();
            long start = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            Map<String, Long> cpuAfter = cpu == null ? null : cpu.sample();
            Map<String, Long> after = trips.sample();
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "idle, %.1f s:%n", elapsed);
            if (cpu != null) {
                System.out.println("  " + ProcessCpu.perSecond(cpuBefore, cpuAfter, elapsed));
            }
            System.out.println("  " + RoundTrips.per("second", before, after, elapsed));
            Map<String, Double> rates = new TreeMap<>();
            after.forEach((k, v) -> rates.put(k, (v - before.getOrDefault(k, 0L)) / elapsed));
            return new Idle(rates);
        }

        /** The counters less what an idle system does in {@code seconds}. */
        Map<String, Long> less(Map<String, Long> counts, double seconds) {
            Map<String, Long> out = new TreeMap<>();
            counts.forEach((k, v) -> out.put(k, v - Math.round(tripsPerSecond.getOrDefault(k, 0.0) * seconds)));
            return out;
        }
    }

    /** One open-loop run: what was sent, the jobs as stored, and the succeeded jobs' latencies. */
    private record Run(OpenLoopSender.Sends sends, EndToEndRun jobs, long[] latencyMicros) {

        static Run execute(JobApi api, JobTable table, int rate, int count, Duration timeout) throws Exception {
            List<ObjectNode> submitted = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                submitted.add(JobApi.job("noop", JobApi.JSON.createObjectNode()));
            }
            OpenLoopSender.Sends sends = OpenLoopSender.send(api, submitted, rate);
            EndToEndRun jobs = EndToEndRun.awaitFinished(
                    table, sends.accepted(), sends.sentAt().get(0), sends.span(), timeout);
            List<Long> micros = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                UUID id = sends.ids().get(i);
                JobTable.Row row = id == null ? null : jobs.rows().get(id);
                if (row != null && row.status().equals("SUCCEEDED") && row.finishedAt() != null) {
                    micros.add(Duration.between(sends.sentAt().get(i), row.finishedAt())
                                    .toNanos()
                            / 1_000);
                }
            }
            return new Run(
                    sends,
                    jobs,
                    Stats.sorted(micros.stream().mapToLong(Long::longValue).toArray()));
        }

        /** Nearest-rank percentile {@code p} of the latencies in ms (100: the maximum). */
        double percentileMillis(double p) {
            return Stats.percentile(latencyMicros, p) / 1e3;
        }

        /** The same, formatted, or "–" when no job succeeded. */
        String millis(double p) {
            return latencyMicros.length == 0 ? "–" : String.format(Locale.ROOT, "%.1f", percentileMillis(p));
        }
    }
}
