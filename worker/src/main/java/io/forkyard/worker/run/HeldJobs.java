package io.forkyard.worker.run;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every job this worker holds a lease on, from its claim until its outcome is committed (or it is
 * given up): what the lease keeper renews, in one statement, on every beat.
 */
@ApplicationScoped
public class HeldJobs {

    private final Map<UUID, HeldJob> held = new ConcurrentHashMap<>();

    public void add(HeldJob job) {
        held.put(job.claim().id(), job);
    }

    /** The job is no longer this worker's concern (its outcome committed, or its lease is gone). */
    public void remove(HeldJob job) {
        held.remove(job.claim().id(), job);
    }

    /** A snapshot of every held job. */
    public Collection<HeldJob> all() {
        return List.copyOf(held.values());
    }

    public int size() {
        return held.size();
    }

    /** Asks every running job to stop for {@code reason}; they end through the usual path. */
    public void stopRunning(HeldJob.StopReason reason) {
        held.values().stream().filter(j -> j.state() == HeldJob.State.RUNNING).forEach(j -> j.stop(reason));
    }

    /** Jobs running now. */
    public long running() {
        return held.values().stream()
                .filter(j -> j.state() == HeldJob.State.RUNNING)
                .count();
    }
}
