package io.forkyard.messaging;

import java.util.regex.Pattern;

/**
 * Topic and group names. Every name starts with a configurable prefix ({@code forkyard.} by
 * default) so that test runs sharing one broker never see each other's records.
 */
public final class Topics {

    /** Default prefix of every topic and group name. */
    public static final String DEFAULT_PREFIX = "forkyard.";

    /**
     * The PostgreSQL channel ({@code NOTIFY}) that wakes the web tier's outbox relay when a worker
     * makes a job due again at once (a job handed back), so it is published now rather than at the
     * next sweep. Per database, so per deployment.
     */
    public static final String OUTBOX_CHANNEL = "forkyard_outbox";

    /** A queue name: what may follow the prefix in a topic name. */
    public static final Pattern QUEUE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    private Topics() {}

    /** The topic that carries {@link JobDispatch} records for one queue. */
    public static String queue(String prefix, String queue) {
        return prefix + "jobs." + queue;
    }

    /** Jobs of this priority or more go to their queue's urgent topic ({@link #urgentQueue}). */
    public static final int URGENT_PRIORITY = 5;

    /** What an urgent topic's name adds to its queue's topic name (a queue name has no dot). */
    public static final String URGENT_SUFFIX = ".urgent";

    /**
     * The topic of a queue's urgent jobs (priority {@value #URGENT_PRIORITY} or more): a topic of
     * their own, so they do not wait behind the queue's other records on the broker.
     */
    public static String urgentQueue(String prefix, String queue) {
        return queue(prefix, queue) + URGENT_SUFFIX;
    }

    /** The topic a job of {@code priority} is published to. */
    public static String queue(String prefix, String queue, int priority) {
        return priority >= URGENT_PRIORITY ? urgentQueue(prefix, queue) : queue(prefix, queue);
    }

    /** The dead-letter topic: jobs that used up their attempts and records that could not be read. */
    public static String deadLetters(String prefix) {
        return prefix + "jobs.dead-letters";
    }

    /**
     * The job events topic ({@code JobEvent} records of the web tier, keyed by job id): every
     * change of a job's status or progress, published by the web tier's event relay and read
     * whole by every web process for its live views.
     */
    public static String events(String prefix) {
        return prefix + "events";
    }

    /** The share group the workers of one deployment consume queue topics with. */
    public static String workerShareGroup(String prefix) {
        return prefix + "workers";
    }
}
