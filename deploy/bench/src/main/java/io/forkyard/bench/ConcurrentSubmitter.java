package io.forkyard.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code POST /api/jobs} per job from a fixed number of concurrent clients, as that many
 * independent client programs would submit: each client has its own HTTP/1.1 keep-alive connection
 * and sends its next job as soon as its previous one is answered. The clients take the jobs from one
 * shared counter, so a slow answer holds up only its own client. The clients and their connections
 * live as long as this object, so a warm-up opens the connections the measured runs reuse.
 */
final class ConcurrentSubmitter implements EndToEndRun.Submitter, AutoCloseable {

    private final List<JobApi> clients = new ArrayList<>();
    private final ExecutorService threads;

    ConcurrentSubmitter(String baseUrl, int clients) {
        if (clients < 1) {
            throw new IllegalArgumentException("--clients must be at least 1, got " + clients);
        }
        for (int i = 0; i < clients; i++) {
            this.clients.add(new JobApi(baseUrl));
        }
        this.threads = Executors.newFixedThreadPool(clients);
    }

    int clients() {
        return clients.size();
    }

    /** Returns the ids in the order of {@code jobs}; the first failed submit ends the batch. */
    @Override
    public List<UUID> submit(List<ObjectNode> jobs) throws Exception {
        UUID[] ids = new UUID[jobs.size()];
        AtomicInteger next = new AtomicInteger();
        List<Future<Void>> running = new ArrayList<>();
        for (JobApi client : clients) {
            running.add(threads.submit(() -> {
                for (int i = next.getAndIncrement(); i < ids.length; i = next.getAndIncrement()) {
                    ids[i] = client.submitOne(jobs.get(i));
                }
                return null;
            }));
        }
        try {
            for (Future<Void> client : running) {
                client.get();
            }
        } catch (ExecutionException e) {
            next.set(ids.length);
            running.forEach(client -> client.cancel(true));
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return Arrays.asList(ids);
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
