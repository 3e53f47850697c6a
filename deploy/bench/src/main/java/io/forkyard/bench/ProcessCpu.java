package io.forkyard.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Where the CPU of a run went, read from {@code /proc} (Linux): the named system processes, the
 * worker's children (live ones plus those already reaped, which the kernel adds to the worker's
 * {@code cutime}/{@code cstime}), every {@code postgres} process on the machine and this JVM. It
 * explains an efficiency figure: whatever is not the children's is overhead the jobs pay for.
 */
final class ProcessCpu {

    private static final Path PROC = Path.of("/proc");
    private static final double TICKS_PER_SECOND = 100; // USER_HZ on every Linux we run on

    private final Map<String, Long> pids;

    /** {@code spec}: {@code name=pid,...} as the run script passes it; one name must be {@code worker}. */
    ProcessCpu(String spec) {
        pids = pids(spec);
    }

    /** The pids of a {@code name=pid,...} spec, by name; a name without a pid is left out. */
    static Map<String, Long> pids(String spec) {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String[] nameAndPid = part.split("=", 2);
            if (nameAndPid.length == 2 && !nameAndPid[1].isBlank()) {
                pids.put(nameAndPid[0].trim(), Long.parseLong(nameAndPid[1].trim()));
            }
        }
        return pids;
    }

    /** CPU ticks so far, by name: the named processes, "children", "postgres" and "bench". */
    Map<String, Long> sample() {
        Map<String, Long> ticks = new LinkedHashMap<>();
        ticks.put("children", 0L);
        pids.forEach((name, pid) -> ticks.put(name, stat(pid, false)));
        Long worker = pids.get("worker");
        if (worker != null) {
            long children = stat(worker, true);
            for (long child : childrenOf(worker)) {
                children += stat(child, false) + stat(child, true);
            }
            ticks.put("children", children);
        }
        ticks.put("postgres", postgresTicks());
        ticks.put("bench", stat(ProcessHandle.current().pid(), false));
        return ticks;
    }

    /**
     * "cpu per job: children 11.7 ms, worker 1.2 ms, ...; children's share 0.66" for the ticks
     * between two samples.
     */
    static String perJob(Map<String, Long> before, Map<String, Long> after, int jobs) {
        long total = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            total += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
        }
        long children = Math.max(0, after.get("children") - before.get("children"));
        return per("job", before, after, jobs)
                + String.format(
                        Locale.ROOT,
                        "; total %.2f s, children's share %.2f",
                        total / TICKS_PER_SECOND,
                        total == 0 ? 0.0 : (double) children / total);
    }

    /** "cpu per second: broker 12.10 ms, web 8.00 ms, ..." between two samples {@code seconds} apart. */
    static String perSecond(Map<String, Long> before, Map<String, Long> after, double seconds) {
        return per("second", before, after, seconds);
    }

    /** "cpu per {@code unit}: name 1.23 ms, ..." for the ticks between two samples, over {@code units}. */
    private static String per(String unit, Map<String, Long> before, Map<String, Long> after, double units) {
        StringJoiner parts = new StringJoiner(", ", "cpu per " + unit + ": ", "");
        after.forEach((name, ticks) -> parts.add(String.format(
                Locale.ROOT,
                "%s %.2f ms",
                name,
                Math.max(0, ticks - before.getOrDefault(name, 0L)) / TICKS_PER_SECOND * 1000 / units)));
        return parts.toString();
    }

    /** The CPU per job, in ms, of the system under test: every process sampled but this benchmark's. */
    static double systemMillisPerJob(Map<String, Long> before, Map<String, Long> after, int jobs) {
        long ticks = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            if (!e.getKey().equals("bench")) {
                ticks += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
            }
        }
        return ticks / TICKS_PER_SECOND * 1000 / jobs;
    }

    /** utime + stime of a process, or of its reaped children (cutime + cstime); 0 once it is gone. */
    private static long stat(long pid, boolean reapedChildren) {
        try {
            String stat = Files.readString(PROC.resolve(pid + "/stat"));
            // The command name (field 2) may hold spaces; the fields after it are plain numbers.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state), so field n is f[n - 3]: utime 14, stime 15, cutime 16, cstime 17.
            int first = reapedChildren ? 13 : 11;
            return Long.parseLong(f[first]) + Long.parseLong(f[first + 1]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long[] childrenOf(long pid) {
        StringBuilder all = new StringBuilder();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve(pid + "/task"))) {
            for (Path task : tasks) {
                all.append(Files.readString(task.resolve("children"))).append(' ');
            }
        } catch (IOException | RuntimeException e) {
            return new long[0];
        }
        String trimmed = all.toString().trim();
        if (trimmed.isEmpty()) {
            return new long[0];
        }
        return Arrays.stream(trimmed.split("\\s+")).mapToLong(Long::parseLong).toArray();
    }

    private static long postgresTicks() {
        long sum = 0;
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, "[0-9]*")) {
            for (Path process : processes) {
                try {
                    if (Files.readString(process.resolve("comm")).trim().equals("postgres")) {
                        sum += stat(Long.parseLong(process.getFileName().toString()), false);
                    }
                } catch (IOException | RuntimeException gone) {
                    // exited between listing and reading
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return sum;
    }
}
