-- Schedules (README "Schedules"): a cron expression in a time zone and a job template. next_run_at is
-- the next tick not made yet (null while disabled). A web replica's ticker locks due schedules (FOR
-- UPDATE SKIP LOCKED), inserts the job of each tick and moves next_run_at in one transaction, so a
-- tick is made once whatever the replicas, crashes or restarts; job_schedule_tick makes a second job
-- of the same tick impossible even so.
CREATE TABLE schedule (
    id               uuid          PRIMARY KEY,
    tenant           varchar(128)  NOT NULL,
    name             varchar(200)  NOT NULL,
    cron             varchar(200)  NOT NULL,
    time_zone        varchar(64)   NOT NULL,
    type             varchar(64)   NOT NULL,
    queue            varchar(64)   NOT NULL,
    input            jsonb         NOT NULL,
    max_attempts     integer       NOT NULL,
    timeout_seconds  integer       NOT NULL,
    enabled          boolean       NOT NULL,
    misfire          varchar(16)   NOT NULL CHECK (misfire IN ('run-once', 'skip')),
    next_run_at      timestamptz,
    last_run_at      timestamptz,
    created_at       timestamptz   NOT NULL DEFAULT now(),
    updated_at       timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT schedule_name_per_tenant UNIQUE (tenant, name)
);
CREATE INDEX schedule_due ON schedule (next_run_at) WHERE next_run_at IS NOT NULL;

-- A scheduled job names its schedule and the tick it was made for.
ALTER TABLE job ADD COLUMN schedule_id uuid, ADD COLUMN scheduled_for timestamptz;
CREATE UNIQUE INDEX job_schedule_tick ON job (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL;
