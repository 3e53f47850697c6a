package io.forkyard.bench;

/**
 * Entry point of the benchmarks; {@code deploy/bench/run} starts the system they need and calls
 * this with a subcommand. Benchmarks report figures and never judge them: they are run by hand on a
 * quiet machine, not by the build.
 */
public final class BenchMain {

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
            return;
        }
        Args options = new Args(args, 1);
        switch (args[0]) {
            case "dispatch" -> DispatchBench.run(options);
            case "w1" -> NoopThroughputBench.run(options);
            case "w2" -> CpuEfficiencyBench.run(options);
            case "w3" -> LatencyBench.run(options);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: BenchMain dispatch|w1|w2|w3 [--name value]...; see deploy/bench/run");
        System.exit(2);
    }
}
