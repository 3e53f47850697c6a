package io.forkyard.worker.intake;

import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Topics;
import io.forkyard.worker.WorkerConfig;
import io.forkyard.worker.WorkerIdentity;
import io.forkyard.worker.lease.LeaseKeeper;
import io.forkyard.worker.run.HeldJobs;
import io.forkyard.worker.run.JobRunners;
import io.forkyard.worker.run.JobTracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * The worker's intake (README "How it works", Fetch and claim): a few share-group consumers ({@code
 * consumers}, each a {@link Fetcher}) that fetch jobs in batches of half the prefetch (acquire
 * mode {@code record_limit}) whenever the worker has room for them ({@link JobRunners#reserveFetch}), claims the whole batch with ONE statement, puts the claimed jobs in their
 * runners' buffers, and only then acknowledges the records: from then on each job's lease protects
 * it, not the broker's lock.
 *
 * <p>Per record: one that is not a job dispatch is written to the dead-letter outbox and then rejected; one whose type's
 * pool has no live child is released, so another worker (or this one, later) takes it; one whose
 * job is not claimable is a redelivery and is accepted. While the database is unreachable the
 * intake claims nothing and fetches nothing new: it renews the locks of the records it holds, so
 * the broker neither redelivers them nor counts deliveries, and claims them when it is back.
 */
@ApplicationScoped
public class Intake {

    private static final Logger LOG = Logger.getLogger(Intake.class);

    @Inject
    WorkerConfig config;

    @Inject
    WorkerIdentity identity;

    @Inject
    DataSource dataSource;

    @Inject
    HeldJobs held;

    @Inject
    JobRunners runners;

    @Inject
    LeaseKeeper leaseKeeper;

    @Inject
    MeterRegistry registry;

    @Inject
    JobTracing tracing;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    /** Records the urgent fetcher takes at a time. */
    static final int URGENT_FETCH = 2;

    /**
     * Urgent jobs a worker holds in its buffers at most before the urgent fetcher waits for a slot:
     * what it may hold beyond its bound of slots plus {@code prefetch}.
     */
    static final int URGENT_HELD = 4;

    ClaimStatement claims;
    LimitedClaim limitedClaims;
    private Counter skipped;
    private Counter released;
    private Counter returned;
    private Counter turnedAway;
    private DistributionSummary claimBatches;
    private final List<Fetcher> fetchers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    @PostConstruct
    void init() {
        claims = new ClaimStatement(identity.id(), config.lease());
        limitedClaims = new LimitedClaim(claims);
        skipped = Counter.builder("forkyard.worker.records.skipped")
                .description("Records whose job was not claimable: finished, cancelled, not due or running elsewhere")
                .register(registry);
        released = Counter.builder("forkyard.worker.records.released")
                .description("Records handed back to the broker unclaimed: no live child for their job type")
                .register(registry);
        returned = Counter.builder("forkyard.worker.records.returned")
                .description("Records handed back to the broker unclaimed: no free slot for them while another worker"
                        + " was idle")
                .register(registry);
        turnedAway = Counter.builder("forkyard.worker.jobs.turned-away")
                .description(
                        "Jobs of an envelope put back in the outbox: the rest of its record did not fit in the fetch")
                .register(registry);
        claimBatches = DistributionSummary.builder("forkyard.worker.claim.batch")
                .description("Jobs claimed per claim statement")
                .register(registry);
    }

    /**
     * Starts consuming the configured queues: {@code consumers} fetchers on their topics, and one
     * more on their urgent topics (README "Priorities"), which fetches a few records at a time
     * without waiting for room, so an urgent job is claimed while the worker is busy and starts in
     * the first free slot. The topics and the share group must exist.
     */
    public synchronized void start() {
        List<String> topics = config.queues().stream()
                .map(q -> Topics.queue(config.topicPrefix(), q))
                .toList();
        List<String> urgent = config.queues().stream()
                .map(q -> Topics.urgentQueue(config.topicPrefix(), q))
                .toList();
        running = true;
        for (int i = 0; i <= config.consumers(); i++) {
            boolean forUrgent = i == config.consumers();
            int index = i;
            Fetcher fetcher = new Fetcher(
                    this,
                    () -> {
                        KafkaShareConsumer<String, byte[]> consumer =
                                newConsumer(index, forUrgent ? URGENT_FETCH : recordsPerFetch());
                        consumer.subscribe(forUrgent ? urgent : topics);
                        return consumer;
                    },
                    !forUrgent);
            Thread t = new Thread(fetcher, forUrgent ? "intake-urgent" : "intake-" + i);
            t.setDaemon(true);
            fetchers.add(fetcher);
            threads.add(t);
            t.start();
        }
        LOG.infof(
                "worker %s consuming %s with %d consumer(s), fetching up to %d record(s) (%d jobs) at a time, prefetch %d",
                identity.id(), topics, config.consumers(), recordsPerFetch(), runners.fetchSize(), config.prefetch());
    }

    /**
     * Records a fetch of the queues' topics asks for: as many as its fetch size in jobs holds
     * envelopes ({@link JobDispatch#MAX_JOBS} jobs a record at most), so a fetch never brings more
     * jobs than it reserved room for. A fetch of records of one job each brings fewer, and a busy
     * worker fetches again as soon as it has room.
     */
    private int recordsPerFetch() {
        return Math.max(1, runners.fetchSize() / JobDispatch.MAX_JOBS);
    }

    /** Whether the intake is consuming: started, and not stopping. */
    public boolean isConsuming() {
        return running;
    }

    /**
     * Whether a consumer of the queues' topics has had a fetch answered, so the broker has assigned
     * it their partitions: from then on a record published reaches this worker at its next fetch.
     * Until then the worker is not ready (README "Health"): a job submitted to a stack that just
     * said it was ready would otherwise wait for the share group's first assignment. (The others,
     * the urgent one included, get theirs about a second later; waiting for all of them cost the
     * start 1-2 s more.)
     */
    public synchronized boolean isFetching() {
        return running && fetchers.stream().anyMatch(f -> f.reserves() && f.fetching());
    }

    /** Stops fetching; records not yet claimed go back to the broker. */
    public synchronized void stop() {
        running = false;
        fetchers.forEach(Fetcher::wakeup);
        for (Thread t : threads) {
            try {
                t.join(Fetcher.COMMIT_TIMEOUT.toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A claim statement took {@code claimed} of the {@code fetched} jobs; the rest were redeliveries. */
    void claimed(int fetched, int claimed) {
        claimBatches.record(claimed);
        skipped.increment(fetched - claimed);
    }

    /** Jobs of envelopes taken in part went back to the outbox. */
    void turnedAway(int jobs) {
        if (jobs > 0) {
            turnedAway.increment(jobs);
        }
    }

    /** A record went back to the broker unclaimed: no live child here for its type. */
    void released() {
        released.increment();
    }

    /** A record went back to the broker unclaimed: no free slot for it while another worker is idle. */
    void returned() {
        returned.increment();
    }

    private KafkaShareConsumer<String, byte[]> newConsumer(int index, int maxRecords) {
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, Topics.workerShareGroup(config.topicPrefix()));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, identity.id() + "-intake-" + index);
        props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxRecords);
        return new KafkaShareConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
