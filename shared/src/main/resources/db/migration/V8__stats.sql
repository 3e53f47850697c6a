-- GET /api/stats: queue depth, the tenant's QUEUED and RUNNING jobs per queue. Partial, so the
-- finished jobs (most of the table) have no entry and the count reads only unfinished jobs; without
-- it the count walked the tenant's whole listing index. Its price on the hot path: the updates of a
-- job are not HOT (they change indexed columns), so every row version written while the job is
-- QUEUED or RUNNING adds an entry: the insert, the dispatch mark, the claim and each lease renewal;
-- the outcome's version is finished and adds none.
-- The stats' minutes need no index of their own: they read the last hour through job_finished_at (V1).
CREATE INDEX job_active ON job (tenant, queue, status) WHERE status IN ('QUEUED', 'RUNNING');
