package io.forkyard.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * W1 of README "Targets", no-op throughput: {@code jobs} {@code noop} jobs through the running system, first
 * submit to the last {@code finished_at}, in jobs per second. What it measures is the pipeline's
 * per-job cost (insert, dispatch, share-group delivery, claim, child round trip, completion, ack),
 * since the job itself does nothing.
 *
 * <p>In the two styles the target names, both by default ({@code --style bulk|single} for one):
 * <em>bulk</em> submits {@code --batch-size} (500) jobs per {@code POST /api/jobs/batch}, so the
 * submit path costs little and the figure is the pipeline's; <em>single</em> sends one {@code POST
 * /api/jobs} per job from {@code --clients} (8) concurrent keep-alive clients, so it also measures
 * the submit path (a transaction and a dispatcher wake-up per job) competing with the pipeline for
 * the same cores. Each style warms up on its own path first; both run on the same system, one after
 * the other, so the second style starts on a system the first has warmed further.
 */
final class NoopThroughputBench {

    private static final int WARMUP_JOBS = 500;

    private NoopThroughputBench() {}

    static void run(Args args) throws Exception {
        String url = args.required("url");
        int jobs = args.integer("jobs", 10_000);
        int runs = args.integer("runs", 1);
        int batchSize = args.integer("batch-size", 500);
        int clients = args.integer("clients", 8);
        Duration timeout = Duration.ofSeconds(args.integer("timeout-seconds", 900));
        List<String> styles = switch (args.string("style", "both")) {
            case "both" -> List.of("bulk", "single");
            case "bulk" -> List.of("bulk");
            case "single" -> List.of("single");
            default -> throw new IllegalArgumentException("--style takes bulk, single or both");
        };
        System.out.printf(
                Locale.ROOT,
                "w1: %d noop jobs per run, %d run(s) per style; bulk: %d jobs per POST /api/jobs/batch;"
                        + " single: one POST /api/jobs per job from %d concurrent clients%n",
                jobs,
                runs,
                batchSize,
                clients);
        JobApi api = new JobApi(url);
        try (JobTable table = new JobTable(
                        args.required("jdbc"), args.string("db-user", "postgres"), args.string("db-password", ""));
                ConcurrentSubmitter single = new ConcurrentSubmitter(url, clients)) {
            for (String style : styles) {
                EndToEndRun.Submitter submitter = style.equals("bulk") ? batch -> api.submit(batch, batchSize) : single;
                EndToEndRun.Submitter warmUp = style.equals("bulk") ? batch -> api.submit(batch, WARMUP_JOBS) : single;
                measure("w1 " + style, submitter, warmUp, table, jobs, runs, timeout);
            }
        }
    }

    private static void measure(
            String name,
            EndToEndRun.Submitter submitter,
            EndToEndRun.Submitter warmUp,
            JobTable table,
            int jobs,
            int runs,
            Duration timeout)
            throws Exception {
        EndToEndRun warm = EndToEndRun.execute(warmUp, table, jobs(Math.min(jobs, WARMUP_JOBS)), timeout);
        System.out.printf(
                Locale.ROOT, "%s: warm-up, %d jobs, %.2f s%n", name, warm.ids().size(), warm.wallSeconds());
        List<Double> rates = new ArrayList<>();
        List<Double> walls = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            EndToEndRun result = EndToEndRun.execute(submitter, table, jobs(jobs), timeout);
            double rate = result.count("SUCCEEDED") / result.wallSeconds();
            System.out.printf(
                    Locale.ROOT,
                    "%s run %d: wall %.3f s (submits answered after %.3f s), %.1f jobs/s, succeeded %d, failed %d,"
                            + " unfinished %d, retried %d%n",
                    name,
                    run,
                    result.wallSeconds(),
                    result.submittingSeconds(),
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
        System.out.println(Stats.summary(name + " wall", walls, "s", "%.3f"));
        System.out.println(Stats.summary(name + " throughput", rates, "jobs/s", "%.1f"));
    }

    private static List<ObjectNode> jobs(int count) {
        List<ObjectNode> jobs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            jobs.add(JobApi.job("noop", JobApi.JSON.createObjectNode()));
        }
        return jobs;
    }
}
