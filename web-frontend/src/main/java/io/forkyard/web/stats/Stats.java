package io.forkyard.web.stats;

import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The answer of {@code GET /api/stats} (README "Stats"). */
@Schema(name = "Stats")
public record Stats(
        @Schema(description = "the database's clock when the stats were read")
        Instant generatedAt,

        @Schema(
                description = "the last 60 minutes, oldest first, the current (partial) one last; minutes without"
                        + " finished jobs have zero counts and null times")
        List<Minute> minutes,

        @Schema(description = "the tenant's queues that have QUEUED or RUNNING jobs")
        List<Queue> queues,

        @Schema(
                description = "every worker whose heartbeat is recent (`stats.live-worker-age`); workers serve"
                        + " every tenant")
        List<Worker> workers) {

    /** The tenant's jobs that finished in one minute. */
    @Schema(name = "StatsMinute")
    public record Minute(
            @Schema(description = "the minute's start") Instant minute,
            long succeeded,
            long failed,
            long cancelled,
            Latency latencyMs,
            Run runMs) {}

    /** Submit to finish ({@code finishedAt - createdAt}), in milliseconds; null without jobs. */
    @Schema(name = "StatsLatency", description = "from submit to finish, ms; null in a minute without finished jobs")
    public record Latency(Long p50, Long p95, Long max) {}

    /** Run start of the last attempt to finish ({@code finishedAt - startedAt}), in milliseconds. */
    @Schema(
            name = "StatsRun",
            description = "from the last attempt's run start to finish, ms; null without jobs that ran")
    public record Run(Long p50, Long p95) {}

    /** A queue's unfinished jobs. */
    @Schema(name = "StatsQueue")
    public record Queue(
            String queue,

            @Schema(description = "QUEUED jobs, scheduled ones included")
            long queued,

            @Schema(description = "QUEUED jobs whose runAt (or retry back-off) has not come yet")
            long scheduled,

            long running) {}

    /** A live worker and its default child pool, from its last heartbeat. */
    @Schema(name = "StatsWorker")
    public record Worker(
            String id,
            List<String> queues,

            @Schema(description = "children in its default pool")
            int slots,

            @Schema(description = "children running a job") int busy,
            @Schema(description = "slots - busy") int idle,

            @Schema(description = "claimed jobs waiting in its prefetch buffer")
            int buffered,

            Instant startedAt,
            Instant heartbeatAt) {}
}
