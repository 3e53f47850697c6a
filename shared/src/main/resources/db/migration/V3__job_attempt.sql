-- One row per claimed attempt: who ran it, under which lease, and how it ended. Written in the
-- same transaction as the job's own state change, so the history never disagrees with the job.
-- It answers "how often did this job run, where, and why did each attempt end", and lets the
-- fault tests count duplicate executions and prove there is never more than one result.
CREATE TABLE job_attempt (
    job_id                uuid         NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    attempt               integer      NOT NULL,
    lease_token           uuid         NOT NULL UNIQUE,
    worker                varchar(128) NOT NULL,
    started_at            timestamptz  NOT NULL DEFAULT now(),
    ended_at              timestamptz,
    -- SUCCEEDED, an error code (TIMEOUT, CHILD_CRASHED, ...), LEASE_EXPIRED, CANCELLED or RELEASED
    outcome               varchar(64),
    -- the worker tried to write an outcome after it had lost the lease, and was refused
    stale_write_rejected  boolean      NOT NULL DEFAULT false,
    PRIMARY KEY (job_id, lease_token)
);

CREATE INDEX job_attempt_job ON job_attempt (job_id, attempt);
