package io.forkyard.worker.run;

import io.forkyard.worker.pool.ChildPool;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The slots of one child pool: one thread per child, each taking the next buffered job, running
 * it in a child of the pool and handing the outcome on.
 */
final class PoolRunner extends Runner {

    private static final Logger LOG = Logger.getLogger(PoolRunner.class);
    private static final long TAKE_MILLIS = 250;

    private final ChildPool pool;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    PoolRunner(String name, ChildPool pool, JobExecution execution, Completion completion, Runnable slotFreed) {
        super(name, execution, completion, slotFreed);
        this.pool = pool;
    }

    @Override
    int slots() {
        return pool.size();
    }

    @Override
    boolean canRun() {
        return pool.canServe();
    }

    @Override
    void offer(HeldJob job) {
        buffer.add(job);
    }

    @Override
    void start() {
        for (int i = 0; i < pool.size(); i++) {
            Thread t = new Thread(this::loop, "slot-" + name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void loop() {
        while (running) {
            try {
                HeldJob job = buffer.take(TAKE_MILLIS);
                if (job != null) {
                    run(job, pool);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.errorf(e, "slot of pool %s failed; it goes on", name);
            }
        }
    }

    /** Stops the slots once their current job is done; the caller stops running jobs first. */
    @Override
    void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
