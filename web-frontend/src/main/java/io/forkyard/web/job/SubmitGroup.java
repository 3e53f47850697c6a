package io.forkyard.web.job;

import io.forkyard.db.Jdbc;
import io.forkyard.web.job.JobCommands.Inserted;
import io.forkyard.web.job.JobCommands.Submitted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Group commit for single submits (DESIGN "Data flow" 1): submits that arrive while an insert is
 * on its way to the database share the next one, ONE statement and one commit for all of them, up
 * to {@value #MAX} jobs. No timer: the first submit with nothing in flight writes at once, alone,
 * so a lone submit waits for nobody; under concurrency the submits that queued meanwhile go
 * together, and each answer still waits for the commit that holds its own job.
 *
 * <p>The request thread that finds no insert in flight writes its job and any that queued, then
 * wakes their threads and hands the next turn to the first submit that queued meanwhile. A statement that fails for one job's sake would fail the rest:
 * a group that fails while the database is reachable is written again job by job, so each submit
 * gets its own answer.
 */
@ApplicationScoped
public class SubmitGroup {

    private static final Logger LOG = Logger.getLogger(SubmitGroup.class);

    /** The most jobs one group statement carries. */
    static final int MAX = 64;

    @Inject
    JobCommands commands;

    // guarded by this
    private final ArrayDeque<Waiting> queued = new ArrayDeque<>();
    private boolean writing;

    /**
     * A submit waiting for a statement. Its turn completes with true when it is to write the next
     * group, with false once a group holding it was written (its outcome set before).
     */
    private static final class Waiting {
        final Submitted submitted;
        final CompletableFuture<Boolean> turn = new CompletableFuture<>();
        boolean written;
        Inserted inserted;
        RuntimeException failure;

        Waiting(Submitted submitted) {
            this.submitted = submitted;
        }
    }

    /**
     * Inserts the job and returns what was stored, once committed; empty when the tenant already
     * used its idempotency key. Throws what the insert threw.
     */
    public Optional<Inserted> insert(Submitted submitted) {
        Waiting me = new Waiting(submitted);
        boolean lead;
        synchronized (this) {
            lead = !writing;
            if (lead) {
                writing = true;
            } else {
                queued.add(me);
            }
        }
        if (!lead && me.turn.join()) {
            lead = true;
        }
        if (lead) {
            writeGroupOf(me);
        }
        if (me.failure != null) {
            throw me.failure;
        }
        return Optional.ofNullable(me.inserted);
    }

    /** Writes a group: this submit and what queued, up to MAX; then hands the turn on. */
    private void writeGroupOf(Waiting me) {
        List<Waiting> group = new ArrayList<>();
        group.add(me);
        synchronized (this) {
            while (!queued.isEmpty() && group.size() < MAX) {
                group.add(queued.poll());
            }
        }
        try {
            write(group);
        } finally {
            Waiting next;
            synchronized (this) {
                next = queued.poll();
                writing = next != null;
            }
            for (Waiting w : group) {
                if (!w.written) {
                    w.failure = new IllegalStateException("the submit's insert did not finish");
                }
                if (w != me) {
                    w.turn.complete(false);
                }
            }
            if (next != null) {
                next.turn.complete(true);
            }
        }
    }

    /** Submits waiting for a statement (tests). */
    synchronized int queued() {
        return queued.size();
    }

    private void write(List<Waiting> group) {
        try {
            Map<UUID, Inserted> inserted =
                    commands.insert(group.stream().map(w -> w.submitted).toList());
            group.forEach(w -> w.inserted = inserted.get(w.submitted.job().id()));
        } catch (RuntimeException e) {
            if (group.size() == 1 || Jdbc.isConnectionFailure(e)) {
                group.forEach(w -> w.failure = e);
            } else {
                writeOneByOne(group, e);
            }
        }
        group.forEach(w -> w.written = true);
    }

    private void writeOneByOne(List<Waiting> group, RuntimeException e) {
        LOG.debugf("a group of %d submits failed, writing them one by one: %s", group.size(), e.toString());
        for (Waiting w : group) {
            try {
                w.inserted = commands.insert(List.of(w.submitted))
                        .get(w.submitted.job().id());
            } catch (RuntimeException alone) {
                w.failure = alone;
            }
        }
    }
}
