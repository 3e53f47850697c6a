package io.forkyard.web.dispatch;

import io.forkyard.job.JobRepository;
import io.forkyard.web.WebConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Deletes finished jobs older than {@code forkyard.web.retention.max-age}, in batches of short
 * transactions so the table is never locked for long. Several web processes may prune at once:
 * {@code SKIP LOCKED} keeps them apart.
 */
@ApplicationScoped
public class RetentionPruner {

    private static final Logger LOG = Logger.getLogger(RetentionPruner.class);

    @Inject
    JobRepository jobs;

    @Inject
    WebConfig config;

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "retention-pruner");
            t.setDaemon(true);
            return t;
        });
        long every = config.retention().interval().toMillis();
        timer.scheduleWithFixedDelay(this::prune, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
    }

    /** Deletes every expired job, batch by batch; returns how many. */
    public int prune() {
        int total = 0;
        try {
            int deleted;
            do {
                deleted = jobs.pruneFinished(
                        config.retention().maxAge(), config.retention().batchSize());
                total += deleted;
            } while (deleted == config.retention().batchSize()
                    && !Thread.currentThread().isInterrupted());
            if (total > 0) {
                LOG.infof(
                        "retention: deleted %d finished job(s) older than %s",
                        total, config.retention().maxAge());
            }
        } catch (RuntimeException e) {
            LOG.warnf("retention pruning failed, will retry: %s", e.toString());
        }
        return total;
    }
}
