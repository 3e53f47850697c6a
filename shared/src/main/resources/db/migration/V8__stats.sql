-- GET /api/stats: queue depth, the tenant's QUEUED jobs per queue. Partial, so the finished jobs
-- (most of the table) have no entry and the count reads only queued ones; without it the count walked
-- the tenant's whole listing index. Its price on the hot path: a job's updates are not HOT (they
-- change indexed columns), so each row version written while it is QUEUED adds an entry: the insert
-- and the dispatch mark, two per job (a retry's re-queue two more). RUNNING jobs need no index of
-- their own: a lease exists exactly while a job runs, so job_lease_expiry (V4) finds them; an index
-- on both statuses would also take an entry at the claim and at every lease renewal.
CREATE INDEX job_queued ON job (tenant, queue) WHERE status = 'QUEUED';

-- GET /api/stats: the jobs finished in each past minute, per tenant, computed once by the web
-- tier's minute roll-up (web…stats.MinuteRollup) a few seconds after the minute ended, so a call
-- reads 60 rows instead of every job of the last hour (3.6 million at 1,000 jobs/s). Only the
-- minutes not rolled up yet (the current one, normally) are read from the job table, through
-- job_finished_at. Times in whole milliseconds; null without jobs (or, for run, without jobs that ran).
CREATE TABLE job_minute_stats (
    minute          timestamptz  NOT NULL,
    tenant          varchar(128) NOT NULL,
    succeeded       integer      NOT NULL,
    failed          integer      NOT NULL,
    cancelled       integer      NOT NULL,
    latency_p50_ms  bigint,
    latency_p95_ms  bigint,
    latency_max_ms  bigint,
    run_p50_ms      bigint,
    run_p95_ms      bigint,
    PRIMARY KEY (minute, tenant)
);

-- The minutes rolled up, for all tenants at once (a tenant without jobs in a minute has no row in
-- job_minute_stats). Inserting the minute is also what lets one web replica, not several, roll it up.
CREATE TABLE job_minute_rollup (
    minute     timestamptz PRIMARY KEY,
    rolled_at  timestamptz NOT NULL DEFAULT now()
);
