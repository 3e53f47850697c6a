package io.forkyard.worker.pool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Kills a child together with everything it started. Children run in a session and process group
 * of their own ({@code setsid}), so one {@code kill -KILL -PGID} reaches descendants that were
 * re-parented to init; descendants that left the group are found through {@link
 * ProcessHandle#descendants()} before the root dies. Exits are reaped by the JDK.
 */
final class ProcessTree {

    static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Path KILL = Path.of("/bin/kill");

    private ProcessTree() {}

    /** Whether children can get a process group of their own here. */
    static boolean canIsolateGroups() {
        return Files.isExecutable(SETSID) && Files.isExecutable(KILL);
    }

    /** SIGKILL the process, its group and every descendant; waits briefly for the root to go. */
    static void kill(ProcessHandle root, boolean ownGroup) {
        List<ProcessHandle> descendants = root.descendants().toList();
        if (ownGroup && root.isAlive()) {
            killGroup(root.pid());
        }
        root.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        // A descendant may have forked between the snapshot and the kill: look once more.
        descendants.forEach(d -> d.descendants().forEach(ProcessHandle::destroyForcibly));
        try {
            root.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // reaped later by the JDK's process reaper; nothing else to do
        }
    }

    private static void killGroup(long pgid) {
        try {
            Process kill = new ProcessBuilder(KILL.toString(), "-KILL", "--", "-" + pgid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the per-process kills below still run
        }
    }
}
