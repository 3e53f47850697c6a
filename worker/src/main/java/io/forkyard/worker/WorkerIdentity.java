package io.forkyard.worker;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * This worker's name in leases, logs, its heartbeat row and its children's marker: the configured
 * id (else host name and pid) plus a random suffix, unique per start. Two starts must never share a
 * name: a restarted container keeps its host name and its pid is always 1, and a new start must not
 * renew or inherit the leases of the one that died.
 */
@ApplicationScoped
public class WorkerIdentity {

    private final String id;

    @Inject
    public WorkerIdentity(WorkerConfig config) {
        this.id = config.id().orElseGet(WorkerIdentity::hostAndPid) + "-" + startSuffix();
    }

    public String id() {
        return id;
    }

    private static String hostAndPid() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "worker";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    private static String startSuffix() {
        byte[] bytes = new byte[4];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
