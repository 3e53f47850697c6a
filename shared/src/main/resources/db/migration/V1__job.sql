-- The job table is both the source of truth for job state and the dispatch outbox:
-- dispatch_pending is set in the same transaction that inserts or re-queues a job, and the
-- web tier's dispatcher publishes every pending row whose run_at has come, then clears it.
CREATE TABLE job (
    id                uuid         PRIMARY KEY,
    tenant            varchar(128) NOT NULL DEFAULT 'default',
    type              varchar(64)  NOT NULL,
    queue             varchar(64)  NOT NULL,
    status            varchar(16)  NOT NULL
        CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    input             jsonb        NOT NULL,
    result            jsonb,
    error_code        varchar(64),
    error_message     varchar(4000),
    attempt           integer      NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    max_attempts      integer      NOT NULL CHECK (max_attempts >= 1),
    timeout_seconds   integer      NOT NULL CHECK (timeout_seconds >= 1),
    lease_token       uuid,
    lease_owner       varchar(128),
    lease_expires_at  timestamptz,
    cancel_requested  boolean      NOT NULL DEFAULT false,
    run_at            timestamptz  NOT NULL DEFAULT now(),
    progress_percent  integer CHECK (progress_percent BETWEEN 0 AND 100),
    progress_message  varchar(500),
    idempotency_key   varchar(255),
    request_hash      varchar(64),
    dispatch_pending  boolean      NOT NULL DEFAULT true,
    dispatched_at     timestamptz,
    created_at        timestamptz  NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    updated_at        timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT job_idempotency_key_per_tenant UNIQUE (tenant, idempotency_key)
);

-- The dispatcher's sweep: pending rows whose time has come, oldest first.
CREATE INDEX job_dispatch_due ON job (run_at) WHERE dispatch_pending;
-- Orphan rescue: running jobs by lease expiry.
CREATE INDEX job_lease_expiry ON job (lease_expires_at) WHERE status = 'RUNNING';
-- Listing, newest first, keyset-paged per tenant.
CREATE INDEX job_tenant_created ON job (tenant, created_at DESC, id DESC);
-- Retention pruning of finished jobs.
CREATE INDEX job_finished_at ON job (finished_at) WHERE finished_at IS NOT NULL;
