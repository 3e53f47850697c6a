package io.forkyard.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * DESIGN.md W1, no-op throughput: {@code jobs} {@code noop} jobs through the running system, first
 * submit to the last {@code finished_at}, in jobs per second. What it measures is the pipeline's
 * per-job cost (insert, dispatch, share-group delivery, claim, child round trip, completion, ack),
 * since the job itself does nothing. Submitted in batches by default; {@code --batch-size 1}
 * submits one {@code POST /api/jobs} at a time, which then also measures the submit path.
 */
final class NoopThroughputBench {

    private NoopThroughputBench() {}

    static void run(Args args) throws Exception {
        JobApi api = new JobApi(args.required("url"));
        int jobs = args.integer("jobs", 10_000);
        int runs = args.integer("runs", 1);
        int batchSize = args.integer("batch-size", 500);
        Duration timeout = Duration.ofSeconds(args.integer("timeout-seconds", 900));
        System.out.printf(
                Locale.ROOT, "w1: %d noop jobs per run, submitted %d per request, %d run(s)%n", jobs, batchSize, runs);
        try (JobTable table = new JobTable(
                args.required("jdbc"), args.string("db-user", "postgres"), args.string("db-password", ""))) {
            EndToEndRun warm = EndToEndRun.execute(api, table, jobs(Math.min(jobs, 500)), 500, timeout);
            System.out.printf(
                    Locale.ROOT, "w1: warm-up, %d jobs, %.2f s%n", warm.ids().size(), warm.wallSeconds());
            List<Double> rates = new ArrayList<>();
            List<Double> walls = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                EndToEndRun result = EndToEndRun.execute(api, table, jobs(jobs), batchSize, timeout);
                double rate = result.count("SUCCEEDED") / result.wallSeconds();
                System.out.printf(
                        Locale.ROOT,
                        "run %d: wall %.3f s, %.1f jobs/s, succeeded %d, failed %d, unfinished %d, retried %d%n",
                        run,
                        result.wallSeconds(),
                        rate,
                        result.count("SUCCEEDED"),
                        result.count("FAILED"),
                        result.unfinished(),
                        result.retried());
                System.out.println("  " + result.phases());
                if (result.count("SUCCEEDED") != jobs) {
                    System.out.println("  not all jobs succeeded:" + result.describeFailures());
                }
                rates.add(rate);
                walls.add(result.wallSeconds());
            }
            System.out.println(Stats.summary("w1 wall", walls, "s", "%.3f"));
            System.out.println(Stats.summary("w1 throughput", rates, "jobs/s", "%.1f"));
        }
    }

    private static List<ObjectNode> jobs(int count) {
        List<ObjectNode> jobs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            jobs.add(JobApi.job("noop", JobApi.JSON.createObjectNode()));
        }
        return jobs;
    }
}
