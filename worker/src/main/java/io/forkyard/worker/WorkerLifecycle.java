package io.forkyard.worker;

import io.forkyard.db.Jdbc;
import io.forkyard.messaging.TopicAdmin;
import io.forkyard.messaging.Topics;
import io.forkyard.retry.RetryPause;
import io.forkyard.worker.complete.Completer;
import io.forkyard.worker.complete.Outcome;
import io.forkyard.worker.intake.Intake;
import io.forkyard.worker.lease.LeaseKeeper;
import io.forkyard.worker.run.HeldJob;
import io.forkyard.worker.run.HeldJobs;
import io.forkyard.worker.run.JobRunners;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jboss.logging.Logger;

/**
 * Starts the worker's parts in the order the data flows backwards (completer, slots, then the lease
 * keeper and the intake once the broker answers: a worker advertises itself only when it can take
 * work) and stops them in the order that loses nothing: no more
 * fetching; buffered jobs handed back; running jobs get {@code shutdown-grace} to finish, then are
 * stopped and handed back too; every outcome is written; the lease keeper beats until the end and
 * then removes the worker's heartbeat.
 */
@ApplicationScoped
public class WorkerLifecycle {

    private static final Logger LOG = Logger.getLogger(WorkerLifecycle.class);
    private static final Duration HAND_BACK_TIMEOUT = Duration.ofSeconds(15);

    @Inject
    WorkerConfig config;

    @Inject
    Intake intake;

    @Inject
    JobRunners runners;

    @Inject
    HeldJobs held;

    @Inject
    Completer completer;

    @Inject
    LeaseKeeper leaseKeeper;

    @Inject
    DataSource dataSource;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private volatile boolean stopping;
    private Thread starter;

    void start(@Observes StartupEvent event) {
        completer.start();
        runners.start();
        starter = new Thread(this::startIntakeWhenBrokerIsReady, "intake-start");
        starter.setDaemon(true);
        starter.start();
    }

    private void startIntakeWhenBrokerIsReady() {
        RetryPause pause = new RetryPause(Duration.ofMillis(500), Duration.ofSeconds(10));
        while (!stopping) {
            try {
                prepareBroker();
                declareQueues();
                break;
            } catch (RuntimeException | SQLException e) {
                LOG.warnf(
                        "Kafka or PostgreSQL not ready for the worker yet (%s); retrying in %d ms",
                        e.getMessage(), pause.nextMillis());
                if (!pause.pause()) {
                    return;
                }
            }
        }
        synchronized (this) {
            if (!stopping) {
                leaseKeeper.start();
                intake.start();
            }
        }
    }

    private void prepareBroker() {
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "forkyard-worker-admin");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(props)) {
            TopicAdmin.startShareGroupAtEarliest(admin, Topics.workerShareGroup(config.topicPrefix()));
            List<String> topics = new ArrayList<>();
            for (String queue : config.queues()) {
                topics.add(Topics.queue(config.topicPrefix(), queue));
                topics.add(Topics.urgentQueue(config.topicPrefix(), queue));
            }
            TopicAdmin.createMissing(admin, topics);
        }
    }

    /** The queues this worker serves are declared (README "Queues"): jobs may be submitted to them. */
    private void declareQueues() throws SQLException {
        Jdbc.autoCommit(dataSource, c -> {
            try (PreparedStatement s =
                    c.prepareStatement("INSERT INTO queue (name) SELECT unnest(?::text[]) ON CONFLICT DO NOTHING")) {
                s.setArray(1, c.createArrayOf("text", config.queues().toArray()));
                return s.executeUpdate();
            }
        });
    }

    void stop(@Observes ShutdownEvent event) {
        synchronized (this) {
            stopping = true;
        }
        intake.stop();
        for (HeldJob job : runners.withdrawAll()) {
            completer.complete(Outcome.released(job));
        }
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (held.running() > 0 && System.nanoTime() < deadline) {
            RetryPause.sleep(Duration.ofMillis(50));
        }
        if (held.running() > 0) {
            LOG.infof("grace period over: handing %d running job(s) back to the queue", held.running());
            held.stopRunning(HeldJob.StopReason.SHUTDOWN);
            long handBack = System.nanoTime() + HAND_BACK_TIMEOUT.toNanos();
            while (held.running() > 0 && System.nanoTime() < handBack) {
                RetryPause.sleep(Duration.ofMillis(20));
            }
        }
        completer.stop(HAND_BACK_TIMEOUT);
        runners.close();
        leaseKeeper.stop();
    }
}
