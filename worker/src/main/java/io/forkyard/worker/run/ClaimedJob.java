package io.forkyard.worker.run;

import java.time.Instant;
import java.util.UUID;

/**
 * What a worker needs to run a job it has claimed: the row's facts, the lease token that fences
 * every later write, when the claim happened by the database's clock, and when the job was
 * submitted (for the end-to-end latency); its {@code priority} (0 to 9, README "Priorities"), which
 * orders it in the worker's buffer; {@code limited} when its queue has a concurrency limit
 * (its end frees a slot, so the outbox relay is told).
 */
public record ClaimedJob(
        UUID id,
        String type,
        String input,
        int attempt,
        int maxAttempts,
        int timeoutSeconds,
        UUID leaseToken,
        Instant claimedAt,
        Instant createdAt,
        int priority,
        boolean limited) {}
