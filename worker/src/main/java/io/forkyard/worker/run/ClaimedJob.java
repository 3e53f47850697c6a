package io.forkyard.worker.run;

import java.time.Instant;
import java.util.UUID;

/**
 * What a worker needs to run a job it has claimed: the row's facts, the lease token that fences
 * every later write, and when the claim happened by the database's clock.
 */
public record ClaimedJob(
        UUID id,
        String type,
        String input,
        int attempt,
        int maxAttempts,
        int timeoutSeconds,
        UUID leaseToken,
        Instant claimedAt) {}
