package io.forkyard.messaging;

import java.time.Instant;
import java.util.UUID;

/**
 * The record the dispatcher publishes to a queue topic, keyed by job id. It carries ids, not the
 * payload: the worker reads the input from the job row when it claims the job. Fields are only
 * ever added.
 */
public record JobDispatch(UUID jobId, String type, Instant dispatchedAt) {}
