package io.forkyard.web;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every {@code forkyard.web.*} setting of the web tier. Each is overridable by environment variable. */
@ConfigMapping(prefix = "forkyard.web")
public interface WebConfig {

    /** Prefix of every topic and group name; a test run or a second deployment picks its own. */
    @WithDefault("forkyard.")
    String topicPrefix();

    /** Tenant of every job while authentication is off. */
    @WithDefault("default")
    String defaultTenant();

    /**
     * Job types served by executable children in any language, comma-separated; their workers
     * declare how to start them ({@code forkyard.worker.external-types.NAME.command}).
     */
    Optional<List<String>> externalTypes();

    /** Queue of a job submitted without one. */
    @WithDefault("default")
    String defaultQueue();

    /**
     * Queues the web tier declares when it starts, comma-separated, beside {@code default-queue}
     * (README "Queues"). A worker declares the queues it serves, and an operator may declare more
     * with {@code PUT /api/queues/{name}}; a submit to an undeclared queue is refused.
     */
    Optional<List<String>> queues();

    /** Seconds a client is told to wait before polling a job it just submitted ({@code Retry-After}). */
    @WithDefault("1")
    int retryAfterSeconds();

    /** Upper bound on a job's {@code timeoutSeconds}, whatever its type or submission asks. */
    @WithDefault("PT1H")
    Duration maxTimeout();

    /** Upper bound on a job's {@code maxAttempts}. */
    @WithDefault("25")
    int maxAttempts();

    /**
     * Most jobs in one batch submit. They are inserted in one statement and one transaction; 10,000
     * noop jobs take about half a second (README "Batches").
     */
    @WithDefault("10000")
    int maxBatchJobs();

    /** Largest request body accepted on the API, in bytes. */
    @WithDefault("16777216")
    int maxBodyBytes();

    Dispatcher dispatcher();

    Auth auth();

    RateLimit rateLimit();

    /** The browser UI's Submit page. */
    Submit submit();

    /** The Submit page ({@code /submit}). */
    interface Submit {

        /**
         * Programs {@code exec} jobs may name, comma-separated, as a job names them (a file name, or
         * an absolute path, which a job may also name by its file name). The API refuses an {@code
         * exec} job naming another (422, {@code input.program}), and the Submit page offers these.
         * The web tier can't see the workers' allow-lists ({@code
         * forkyard.worker.exec.allowed-programs}, which they check again); list here only programs
         * they allow. Empty (the default, as the workers' lists): no {@code exec} job is accepted,
         * and the page has no {@code exec} form.
         */
        Optional<List<String>> execPrograms();

        /** {@link #execPrograms()}, trimmed, without empty entries. */
        default List<String> programs() {
            return execPrograms().orElse(List.of()).stream()
                    .map(String::trim)
                    .filter(p -> !p.isEmpty())
                    .toList();
        }
    }

    Retention retention();

    Events events();

    /** Job events: the relay that publishes them, and the live streams (SSE) that read them. */
    interface Events {

        /**
         * How often the event relay looks for newly committed events when its last page was not
         * full: the longest a new event waits in PostgreSQL before it goes to Kafka.
         */
        @WithDefault("PT0.1S")
        Duration relayInterval();

        /** Events published per page of a relay round. */
        @WithDefault("1000")
        int batchSize();

        /**
         * How long the events topic keeps records (its {@code retention.ms} and {@code
         * segment.ms}, set when the web tier makes or finds the topic). Readers start at the latest
         * offset and streams resume from PostgreSQL, so an hour serves every reader that is merely
         * slow; at 1,000 jobs a second the topic holds about 3 GB an hour.
         */
        @WithDefault("PT1H")
        Duration topicRetention();

        /** A comment line goes to every open stream this often, so proxies keep it open. */
        @WithDefault("PT15S")
        Duration keepAlive();

        /**
         * A job's stream that got nothing from Kafka for this long reads PostgreSQL for events it
         * missed (an event lost or late on its way): the longest a lost event stays unseen.
         */
        @WithDefault("PT5S")
        Duration resyncInterval();

        /**
         * Events a stream may hold for a client that reads slower than they come; beyond it the
         * server ends the stream (the client reconnects, and a job's stream resumes from its
         * {@code Last-Event-ID}).
         */
        @WithDefault("1000")
        int subscriberBuffer();
    }

    Bulk bulk();

    Stats stats();

    Schedules schedules();

    Callbacks callbacks();

    /** Completion callbacks (README "Callbacks"): where they may go, and how they are retried. */
    interface Callbacks {

        /**
         * Hosts a callback URL may name, comma-separated: a host name or address ({@code
         * hooks.example.com}), or every subdomain of one ({@code *.example.com}). Empty (the
         * default): no job or batch may name a callback.
         */
        Optional<List<String>> allowedHosts();

        /**
         * Whether a callback may reach a loopback, private, link-local or otherwise internal address
         * (the host's DNS answer is checked at each delivery). Off: an allowed host name that
         * resolves to such an address is refused, so a callback can't reach the cluster's inside.
         */
        @WithDefault("false")
        boolean allowPrivateAddresses();

        /** Deliveries of one callback before it is given up. */
        @WithDefault("8")
        int maxAttempts();

        /** First retry delay; doubles per attempt, capped at {@code backoff-cap}. */
        @WithDefault("PT1S")
        Duration backoffBase();

        @WithDefault("PT5M")
        Duration backoffCap();

        /** Longest wait for a receiver's answer. */
        @WithDefault("PT10S")
        Duration timeout();

        /** Callbacks each web replica sends at once. */
        @WithDefault("8")
        int concurrency();

        /** How often the callback relay looks for finished jobs and batches and due deliveries. */
        @WithDefault("PT1S")
        Duration pollInterval();
    }

    /** Schedules (README "Schedules"): each web replica's ticker makes the jobs of due ticks. */
    interface Schedules {

        /** Whether this web process makes scheduled jobs (any replica may; they share the work). */
        @WithDefault("true")
        boolean tick();

        /**
         * A tick made later than this after its time (everything was down, say) is missed: the
         * schedule's misfire policy says whether its missed ticks run once or are skipped.
         */
        @WithDefault("PT1M")
        Duration misfireThreshold();

        /**
         * Longest sleep of a ticker: how soon it sees a schedule another replica made or changed. It
         * wakes at the next tick it knows of when that comes first.
         */
        @WithDefault("PT1S")
        Duration pollInterval();
    }

    /** Bulk retry and cancel ({@code POST /api/jobs/bulk}). */
    interface Bulk {

        /**
         * Jobs a filtered bulk action changes per transaction (a list of ids is always one): bounds
         * how many row locks it holds at once, and how much a failure halfway leaves done.
         */
        @WithDefault("500")
        int chunkSize();
    }

    /** {@code GET /api/stats}. */
    interface Stats {

        /**
         * A worker whose last heartbeat is older than this is not shown (its row stays until {@code
         * retention.silent-worker-age}). Workers beat every {@code forkyard.worker.heartbeat} (0.5 s).
         */
        @WithDefault("PT10S")
        Duration liveWorkerAge();

        /** How often the minute roll-up looks for finished minutes to keep (per web replica). */
        @WithDefault("PT10S")
        Duration rollupInterval();

        /**
         * How long after a minute ends it is rolled up: a job whose outcome commits later than this
         * after its {@code finished_at} is left out of its minute's stats.
         */
        @WithDefault("PT10S")
        Duration rollupDelay();

        /**
         * How often each web replica refreshes the queue gauges of {@code /q/metrics} (depth, age
         * of the oldest due job, dispatch backlog) with one query.
         */
        @WithDefault("PT5S")
        Duration gaugeInterval();
    }

    /** API keys, browser sessions and CSRF tokens (README "Tenants and API keys"). */
    interface Auth {

        /**
         * Whether every API call needs a key (or a browser session). When off, every caller is
         * {@code default-tenant}: only for a system no one else can reach.
         */
        @WithDefault("true")
        boolean enabled();

        /** How long a browser session lasts after signing in. */
        @WithDefault("PT12H")
        Duration sessionLifetime();

        /**
         * How long a checked key or session is trusted without asking the database again: a revoked
         * key stops working within this time on every replica.
         */
        @WithDefault("PT10S")
        Duration cacheTtl();

        /** Whether cookies get the {@code Secure} attribute: on when the web tier is served over HTTPS. */
        @WithDefault("false")
        boolean secureCookies();
    }

    /**
     * Submissions per tenant: a token bucket per web replica (N replicas let a tenant submit N
     * times as fast). A job in a batch counts as one submission.
     */
    interface RateLimit {

        /** Jobs a tenant may submit per second, sustained; 0 turns the limit off. */
        @WithDefault("2000")
        double jobsPerSecond();

        /** Jobs a tenant may submit at once after a quiet while (at least the largest batch). */
        @WithDefault("20000")
        int burst();
    }

    /** Deleting finished jobs after a while. */
    interface Retention {

        /** Finished jobs (succeeded, failed, cancelled) older than this are deleted. */
        @WithDefault("P7D")
        Duration maxAge();

        /** How often the pruner runs. */
        @WithDefault("PT1M")
        Duration interval();

        /** Jobs deleted per transaction; the pruner repeats until none is left. */
        @WithDefault("1000")
        int batchSize();

        /** A worker whose heartbeat is older than this is gone: its row in {@code worker} is deleted. */
        @WithDefault("PT1H")
        Duration silentWorkerAge();
    }

    /** The outbox relay that publishes committed jobs to Kafka, and the lease sweeper. */
    interface Dispatcher {

        /**
         * How often the relay sweeps for due jobs when nothing wakes it earlier, and how often the
         * lease sweeper rescues jobs whose lease expired.
         */
        @WithDefault("PT1S")
        Duration sweepInterval();

        /** Jobs published per round. */
        @WithDefault("500")
        int batchSize();

        /**
         * Most jobs one record carries when a round finds several due jobs of one queue and type
         * (an envelope, DESIGN.md "Data flow" 2), from 1 (every job a record of its own) to {@link
         * io.forkyard.messaging.JobDispatch#MAX_JOBS}. A job alone, and an urgent job, always
         * travel alone. Set 1 while workers older than envelopes still run: they claim only an
         * envelope's first job and leave the others to the {@code redispatch-after} safety net.
         */
        @WithDefault("4")
        int envelopeSize();

        /** Longest wait for the broker to acknowledge a round before the jobs stay pending. */
        @WithDefault("PT15S")
        Duration publishTimeout();

        /**
         * Partitions of every topic Forkyard creates (only the web tier creates topics); an existing
         * topic with fewer is grown to this. One by default: a share group assigns each partition to
         * members, and with at least as many members as partitions it hands each partition to one
         * member only, so with several partitions a record can wait behind a long job on its
         * member's partition while another member is idle. With one partition every consumer takes
         * from it. One partition's throughput is far above any job rate a worker pool can run.
         */
        @WithDefault("1")
        int topicPartitions();

        /**
         * A QUEUED job whose record was published this long ago without being claimed is published
         * again (the record may have been archived after too many deliveries, or lost).
         */
        @WithDefault("PT2M")
        Duration redispatchAfter();

        /** Expired leases rescued per round. */
        @WithDefault("500")
        int rescueBatchSize();
    }
}
