package io.forkyard.web.event;

import io.forkyard.messaging.Json;
import io.forkyard.web.WebConfig;
import io.forkyard.web.job.JobListing;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureFailure;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The fan-out of this process: every open SSE stream, by job and by tenant, and the events the
 * reader hands over from the events topic. An event is parsed only when a stream wants its job or
 * its tenant. Once a second a timer lets every stream send its keep-alive and look for events it
 * missed; PostgreSQL reads run on a small pool of their own, never on the reader's thread.
 *
 * <p>A stream leaves when its connection ends for any reason (the client went away, the stream
 * ended after a final status, its buffer overflowed): nothing is kept for a client that is gone.
 */
@ApplicationScoped
public class EventHub {

    private static final Logger LOG = Logger.getLogger(EventHub.class);
    private static final int READ_THREADS = 2;

    @Inject
    WebConfig config;

    @Inject
    JobEventHistory history;

    @Inject
    MeterRegistry registry;

    private final ConcurrentHashMap<UUID, Set<JobEventStream>> byJob = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<TenantEventStream>> byTenant = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private ScheduledExecutorService timer;
    private ExecutorService reads;

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "event-streams-timer"));
        AtomicInteger n = new AtomicInteger();
        reads = Executors.newFixedThreadPool(READ_THREADS, r -> daemon(r, "event-streams-read-" + n.incrementAndGet()));
        timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
        Gauge.builder("forkyard.event.streams", open, AtomicInteger::get)
                .description("open SSE event streams of this web process (job and tenant streams)")
                .register(registry);
    }

    void stop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
        reads.shutdownNow();
        byJob.values().forEach(streams -> streams.forEach(EventStream::end));
        byTenant.values().forEach(streams -> streams.forEach(EventStream::end));
    }

    /** A job's stream: its events after {@code lastEventId}, then live, ending after a final status. */
    public Multi<OutboundSseEvent> jobStream(Sse sse, UUID jobId, String tenant, int lastEventId) {
        JobEventStream stream = new JobEventStream(
                sse,
                jobId,
                tenant,
                lastEventId,
                history,
                reads,
                config.events().resyncInterval().toNanos());
        return open(stream, stream::start, () -> {
            byJob.computeIfPresent(jobId, (k, set) -> {
                set.remove(stream);
                return set.isEmpty() ? null : set;
            });
        });
    }

    /** A tenant's live events that pass {@code filter}. */
    public Multi<OutboundSseEvent> tenantStream(Sse sse, String tenant, JobListing.Filter filter) {
        TenantEventStream stream = new TenantEventStream(sse, tenant, filter);
        return open(stream, () -> {}, () -> {
            byTenant.computeIfPresent(tenant, (k, set) -> {
                set.remove(stream);
                return set.isEmpty() ? null : set;
            });
        });
    }

    private Multi<OutboundSseEvent> open(EventStream stream, Runnable started, Runnable leave) {
        return Multi.createFrom()
                .<OutboundSseEvent>emitter(
                        emitter -> {
                            stream.attach(emitter);
                            emitter.onTermination(() -> {
                                leave.run();
                                open.decrementAndGet();
                            });
                            open.incrementAndGet();
                            register(stream);
                            started.run();
                        },
                        BackPressureStrategy.BUFFER)
                .onOverflow()
                .buffer(config.events().subscriberBuffer())
                .onFailure(BackPressureFailure.class)
                .recoverWithCompletion();
    }

    private void register(EventStream stream) {
        if (stream instanceof JobEventStream job) {
            byJob.computeIfAbsent(job.jobId(), k -> ConcurrentHashMap.newKeySet())
                    .add(job);
        } else if (stream instanceof TenantEventStream tenant) {
            byTenant.computeIfAbsent(tenant.tenant(), k -> ConcurrentHashMap.newKeySet())
                    .add(tenant);
        }
    }

    /** Open streams of this process (a client that went away is no longer counted). */
    public int openStreams() {
        return open.get();
    }

    /** An event from the events topic: handed to every stream of its job and of its tenant. */
    void deliver(String tenant, String key, byte[] value) {
        Set<TenantEventStream> tenantStreams = tenant == null ? null : byTenant.get(tenant);
        Set<JobEventStream> jobStreams = null;
        if (key != null && !byJob.isEmpty()) {
            try {
                jobStreams = byJob.get(UUID.fromString(key));
            } catch (IllegalArgumentException e) {
                // not a job id: nobody's job stream wants it
            }
        }
        if ((tenantStreams == null || tenantStreams.isEmpty()) && (jobStreams == null || jobStreams.isEmpty())) {
            return;
        }
        Delivery delivery;
        try {
            JobEvent event = Json.fromBytes(value, JobEvent.class);
            delivery = new Delivery(event, new String(value, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("an unreadable record on the events topic (key %s) was skipped: %s", key, e.toString());
            return;
        }
        if (jobStreams != null) {
            for (JobEventStream stream : jobStreams) {
                if (stream.tenant().equals(tenant)) {
                    stream.offer(delivery);
                }
            }
        }
        if (tenantStreams != null) {
            tenantStreams.forEach(stream -> stream.offer(delivery));
        }
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            long keepAlive = config.events().keepAlive().toNanos();
            byJob.values().forEach(streams -> streams.forEach(s -> s.tick(now, keepAlive)));
            byTenant.values().forEach(streams -> streams.forEach(s -> s.tick(now, keepAlive)));
        } catch (RuntimeException e) {
            LOG.warnf("event streams timer: %s", e.toString());
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
