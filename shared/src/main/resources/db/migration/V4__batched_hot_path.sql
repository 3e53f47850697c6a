-- The batched hot path (DESIGN.md "Data flow" 3-6): workers claim fetched batches, keep claimed
-- jobs in a small prefetch buffer, renew every lease they hold with one statement, and
-- group-commit outcomes.

-- An attempt is claimed (with the batch it came in) before its run begins (when a child is free):
-- job_attempt keeps both. job.started_at is the run start of the current or last attempt.
ALTER TABLE job_attempt RENAME COLUMN started_at TO claimed_at;
ALTER TABLE job_attempt ADD COLUMN started_at timestamptz;

-- The attempt history has ONE writer: this trigger, on every status change into or out of
-- RUNNING, whoever makes it (a worker's claim or outcome, the web tier's lease sweeper). No verb
-- can forget it, and it commits with the change it records.
-- An attempt ends as SUCCEEDED or CANCELLED, RELEASED when it was handed back without spending
-- the attempt (the one transition that lowers attempt), else with the job's error code
-- (TIMEOUT, LEASE_EXPIRED, ...).
CREATE FUNCTION job_attempt_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'RUNNING' THEN
        INSERT INTO job_attempt (job_id, attempt, lease_token, worker, claimed_at)
        VALUES (NEW.id, NEW.attempt, NEW.lease_token, NEW.lease_owner, now());
    ELSE
        UPDATE job_attempt
           SET ended_at = now(),
               started_at = NEW.started_at,
               outcome = CASE WHEN NEW.status IN ('SUCCEEDED', 'CANCELLED') THEN NEW.status
                              WHEN NEW.attempt < OLD.attempt THEN 'RELEASED'
                              ELSE NEW.error_code END
         WHERE lease_token = OLD.lease_token AND outcome IS NULL;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER job_attempt_history
    AFTER UPDATE OF status ON job
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status AND (OLD.status = 'RUNNING' OR NEW.status = 'RUNNING'))
    EXECUTE FUNCTION job_attempt_history();

-- Every live worker's heartbeat: written by its lease keeper with the leases it renews. A worker
-- whose slots are busy hands buffered jobs back when another worker of its queues is idle, so
-- prefetch never starves an idle worker. Rows of workers silent for long are pruned.
CREATE TABLE worker (
    id            varchar(128) PRIMARY KEY,
    queues        text[]       NOT NULL,
    -- the default pool's children, and how many run a job now
    slots         integer      NOT NULL,
    busy          integer      NOT NULL,
    -- claimed jobs waiting in the worker's prefetch buffer
    buffered      integer      NOT NULL,
    started_at    timestamptz  NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz  NOT NULL DEFAULT now()
);

-- The idempotency key is rare; an index entry for every job (and every new row version of it)
-- served nothing. Only rows with a key are indexed now.
ALTER TABLE job DROP CONSTRAINT job_idempotency_key_per_tenant;
CREATE UNIQUE INDEX job_idempotency_key_per_tenant ON job (tenant, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- The lease sweeper's index: a lease exists exactly while the job is RUNNING. Its predicate no
-- longer names the status, so the planner can't pick it for the workers' updates of RUNNING jobs by
-- id (it did, estimating few RUNNING rows, and then read every dead entry the churn left in it).
DROP INDEX job_lease_expiry;
CREATE INDEX job_lease_expiry ON job (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
