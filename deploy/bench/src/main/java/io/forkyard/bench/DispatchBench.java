package io.forkyard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.forkyard.worker.pool.ChildLauncher;
import io.forkyard.worker.pool.ChildListener;
import io.forkyard.worker.pool.ChildOutcome;
import io.forkyard.worker.pool.ChildPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Child dispatch round trip: a {@code noop} request through the worker's own {@link ChildPool}
 * with one warm child, from {@code slot.run} to its outcome, so it includes the frame encoding, the
 * pipe both ways, the child's dispatch and the pool's event queue, and nothing of Kafka or the
 * database. One slot is borrowed for the whole run, as a lane holds one while a job runs.
 */
final class DispatchBench {

    private DispatchBench() {}

    static void run(Args args) throws Exception {
        int warmup = args.integer("warmup", 1_000);
        int requests = args.integer("requests", 10_000);
        int runs = args.integer("runs", 1);
        String heap = args.string("child-heap", "128m");
        Duration timeout = Duration.ofSeconds(10);
        ChildPool.Settings settings =
                new ChildPool.Settings(1, Integer.MAX_VALUE, 16 << 20, 1 << 20, 8192, Duration.ofSeconds(60));
        String marker = "bench-dispatch-" + ProcessHandle.current().pid();
        System.out.printf(
                Locale.ROOT,
                "dispatch: pool of 1 child (-Xmx%s), %d warm-up + %d noop requests per run, %d run(s)%n",
                heap,
                warmup,
                requests,
                runs);

        List<Double> medians = new ArrayList<>();
        List<Double> p90s = new ArrayList<>();
        List<Double> p99s = new ArrayList<>();
        List<Double> maxima = new ArrayList<>();
        try (ChildPool pool = new ChildPool(ChildLauncher.javaChild(heap, List.of(), marker), settings).start()) {
            JsonNode input = JsonNodeFactory.instance.objectNode();
            for (int run = 1; run <= runs; run++) {
                ChildPool.Slot slot = pool.borrow(Duration.ofSeconds(60));
                if (slot == null) {
                    throw new IllegalStateException("no child became ready within 60 s");
                }
                long[] micros = new long[requests];
                try {
                    for (int i = 0; i < warmup; i++) {
                        call(slot, "w" + run + "-" + i, input, timeout);
                    }
                    for (int i = 0; i < requests; i++) {
                        micros[i] = call(slot, "r" + run + "-" + i, input, timeout) / 1_000;
                    }
                } finally {
                    pool.release(slot);
                }
                long[] sorted = Stats.sorted(micros);
                System.out.printf(
                        Locale.ROOT,
                        "run %d: median %d µs, p90 %d µs, p99 %d µs, max %d µs%n",
                        run,
                        Stats.percentile(sorted, 50),
                        Stats.percentile(sorted, 90),
                        Stats.percentile(sorted, 99),
                        sorted[sorted.length - 1]);
                medians.add((double) Stats.percentile(sorted, 50));
                p90s.add((double) Stats.percentile(sorted, 90));
                p99s.add((double) Stats.percentile(sorted, 99));
                maxima.add((double) sorted[sorted.length - 1]);
            }
        }
        System.out.println(Stats.summary("dispatch median", medians, "µs", "%.0f"));
        System.out.println(Stats.summary("dispatch p90", p90s, "µs", "%.0f"));
        System.out.println(Stats.summary("dispatch p99", p99s, "µs", "%.0f"));
        System.out.println(Stats.summary("dispatch max", maxima, "µs", "%.0f"));
    }

    /** Nanoseconds of one round trip; a request that fails ends the run (the child is gone). */
    private static long call(ChildPool.Slot slot, String id, JsonNode input, Duration timeout) {
        long start = System.nanoTime();
        ChildOutcome outcome = slot.run(id, "noop", input, timeout, ChildListener.NONE);
        long nanos = System.nanoTime() - start;
        if (!(outcome instanceof ChildOutcome.Success)) {
            throw new IllegalStateException("request " + id + " did not succeed: " + outcome);
        }
        return nanos;
    }
}
