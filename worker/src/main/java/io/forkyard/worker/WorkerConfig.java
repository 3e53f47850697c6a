package io.forkyard.worker;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every {@code forkyard.worker.*} setting. Each is overridable by environment variable. */
@ConfigMapping(prefix = "forkyard.worker")
public interface WorkerConfig {

    /** Prefix of every topic and group name; must match the web tier's. */
    @WithDefault("forkyard.")
    String topicPrefix();

    /** Queues this worker consumes. */
    @WithDefault("default")
    List<String> queues();

    /**
     * Names this worker in leases, logs and its children's marker; defaults to host name and process
     * id. A random suffix is always added, so each start is a worker of its own (in a container the
     * pid is always 1, and a restarted container keeps its host name).
     */
    Optional<String> id();

    /** How long a claim lasts without renewal; an orphan is rescued this long after its worker died. */
    @WithDefault("PT15S")
    Duration lease();

    /**
     * The lease keeper's beat: how often ONE statement renews the lease of every job the worker
     * holds (running, buffered or waiting for its outcome write), reports progress, notices
     * cancels, and publishes the worker's own heartbeat. A buffered job that has waited this long
     * is handed back when another worker is idle.
     */
    @WithDefault("PT0.5S")
    Duration heartbeat();

    /**
     * Claimed jobs a worker keeps ready beyond its free slots, so a slot that finishes a job starts
     * the next at once; one fetch takes up to half as many jobs (in envelopes of up to {@link
     * io.forkyard.messaging.JobDispatch#MAX_JOBS} a record), and the broker's cost per record falls
     * with the fetch size. A worker never sits on work another worker could start: what it
     * holds in its buffer is handed back within one heartbeat when another worker is idle.
     */
    @WithDefault("32")
    int prefetch();

    /**
     * Share-group consumers of the intake. Each fetches, claims and acknowledges in turn, so with
     * more than one, one's claim overlaps another's fetch.
     */
    @WithDefault("2")
    int consumers();

    /** Most outcomes the completer writes in one transaction. */
    @WithDefault("256")
    int outcomeBatchSize();

    /** How long a finished job's outcome write is retried while the database is unreachable. */
    @WithDefault("PT10M")
    Duration outcomeWritePatience();

    /** First retry delay; doubles per attempt, with jitter. */
    @WithDefault("PT1S")
    Duration backoffBase();

    /** Longest retry delay, jitter included. */
    @WithDefault("PT5M")
    Duration backoffCap();

    /** How long a stopping worker lets running jobs finish before handing them back to the queue. */
    @WithDefault("PT30S")
    Duration shutdownGrace();

    /**
     * I/O-bound jobs (such as {@code sleep}) that may run at once, each on a virtual thread (Java
     * 21+) or a platform thread (Java 17). They hold no slot and no child.
     */
    @WithDefault("256")
    int ioConcurrency();

    Pool pool();

    Exec exec();

    /**
     * Job types served by executable children in any language, by name: {@code
     * forkyard.worker.external-types.word-count.command=/usr/bin/python3,children/word_count.py}.
     * Each gets a pool of its own. The web tier must list the same names in {@code
     * forkyard.web.external-types}. An environment variable can't give a name with a dash ({@code
     * FORKYARD_WORKER_EXTERNAL_TYPES__WORD_COUNT__COMMAND} names the type {@code word.count}): set
     * these in a properties file ({@code QUARKUS_CONFIG_LOCATIONS}).
     */
    Map<String, ExternalType> externalTypes();

    /** One external job type: how to start its child, and how many. */
    interface ExternalType {

        /** The child's command as an argument array (comma-separated), never run through a shell. */
        List<String> command();

        /** Children of this type. */
        @WithDefault("1")
        int poolSize();
    }

    /** The {@code exec} job type: which programs may run, and how. */
    interface Exec {

        /**
         * Absolute paths of the programs {@code exec} jobs may run, comma-separated; a job names one
         * by its path or its file name. Empty: {@code exec} jobs fail with {@code INVALID_INPUT}.
         */
        Optional<List<String>> allowedPrograms();

        /** Whether arguments may start with {@code -} (options such as {@code --output=...}). */
        @WithDefault("false")
        boolean allowOptions();

        /** Most stdout and stderr kept from the program, each, in bytes; the rest is cut. */
        @WithDefault("1048576")
        int maxOutputBytes();
    }

    /** The child-process pool. */
    interface Pool {

        /** Children in the pool; 0 means one per available processor. */
        @WithDefault("0")
        int size();

        /**
         * A child is replaced after this many jobs. A fresh JVM child costs about half a second of
         * CPU (start, then its JIT warming up on the first jobs), so recycling often is not free.
         */
        @WithDefault("10000")
        int recycleAfterJobs();

        /** Max heap of a child JVM ({@code -Xmx}). */
        @WithDefault("128m")
        String childHeap();

        /** Whether child JVMs use an application class-data sharing archive (recorded on first use). */
        @WithDefault("true")
        boolean classDataSharing();

        /** Extra JVM options for children, space-separated. */
        Optional<String> childJvmOptions();

        /** Largest frame (result or progress) a child may write, in bytes. */
        @WithDefault("16777216")
        int maxFrameBytes();

        /** Most stderr a child may write during one job, in bytes. */
        @WithDefault("1048576")
        long maxStderrBytes();

        /** stderr kept (the tail) to attach to a failure, in bytes. */
        @WithDefault("8192")
        int stderrTailBytes();

        /** Longest wait for a new child to say it is ready. */
        @WithDefault("PT30S")
        Duration startTimeout();

        /**
         * Longest wait of a claimed job for a free child (say, while children fail to start); then
         * the attempt fails with {@code NO_CHILD}, retried per the job's attempts.
         */
        @WithDefault("PT30S")
        Duration slotWait();
    }
}
