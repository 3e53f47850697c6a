package io.forkyard.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL 15 cluster of the test's own (Debian's pg_createcluster), on a free port with trust
 * authentication, that a fault test may stop and start without touching the machine's main
 * cluster, which other runs share. Dropped on close. Needs root, as CI and the sessions run.
 */
final class ThrowawayCluster implements AutoCloseable {

    final String name = "fy" + UUID.randomUUID().toString().substring(0, 8);
    final int port;

    ThrowawayCluster() throws Exception {
        port = Forkyard.freePort();
        run("pg_createcluster", "15", name, "-p", Integer.toString(port), "--start", "--", "--auth=trust");
    }

    /** Stops the server at once, as a crash would ({@code -m immediate}). */
    void stopImmediately() throws Exception {
        run("pg_ctlcluster", "--skip-systemctl-redirect", "15", name, "stop", "-m", "immediate");
    }

    void start() throws Exception {
        run("pg_ctlcluster", "--skip-systemctl-redirect", "15", name, "start");
    }

    @Override
    public void close() throws Exception {
        run("pg_dropcluster", "--stop", "15", name);
    }

    private static void run(String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
