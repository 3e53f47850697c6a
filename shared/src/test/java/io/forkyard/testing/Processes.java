package io.forkyard.testing;

import java.util.List;

/** Finds live processes by a marker on their command line, as a test would with {@code pgrep -f}. */
public final class Processes {

    private Processes() {}

    /** Live processes whose arguments contain {@code marker}. */
    public static List<ProcessHandle> withMarker(String marker) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info()
                                .arguments()
                                .map(args -> containsMarker(args, marker))
                                .orElse(false)
                        || p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .toList();
    }

    private static boolean containsMarker(String[] args, String marker) {
        for (String a : args) {
            if (a.contains(marker)) {
                return true;
            }
        }
        return false;
    }
}
