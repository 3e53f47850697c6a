-- Completion callbacks (README "Callbacks"): a job, or a batch, may name a URL that is told when it
-- finishes. The web tier's callback relay turns each finished job or batch into a row of the
-- callback outbox, then POSTs it, signed with the tenant's secret, retrying with backoff. A
-- delivery is at least once: receivers tell repeats apart by the callback's id.
ALTER TABLE job ADD COLUMN callback_url varchar(2000), ADD COLUMN callback_queued boolean NOT NULL DEFAULT false;
-- The relay's look for finished jobs whose callback is not queued yet: only jobs with a callback.
CREATE INDEX job_callback_pending ON job (id) WHERE callback_url IS NOT NULL AND NOT callback_queued;

CREATE TABLE batch_callback (
    batch_id   uuid          PRIMARY KEY,
    tenant     varchar(128)  NOT NULL,
    url        varchar(2000) NOT NULL,
    queued_at  timestamptz
);
CREATE INDEX batch_callback_pending ON batch_callback (batch_id) WHERE queued_at IS NULL;

CREATE TABLE callback (
    id               uuid          PRIMARY KEY,
    tenant           varchar(128)  NOT NULL,
    kind             varchar(16)   NOT NULL CHECK (kind IN ('job', 'batch')),
    subject          uuid          NOT NULL,
    url              varchar(2000) NOT NULL,
    attempts         integer       NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz   NOT NULL DEFAULT now(),
    last_status      integer,
    last_error       varchar(1000),
    created_at       timestamptz   NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    failed_at        timestamptz
);
CREATE INDEX callback_due ON callback (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;

-- Each tenant's secret for signing its callbacks (HMAC-SHA256), made when first needed.
CREATE TABLE tenant_secret (
    tenant      varchar(128) PRIMARY KEY,
    secret      bytea        NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now()
);
