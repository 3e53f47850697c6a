-- Declared queues (README "Queues"). A submit names a declared queue or is refused, so a typo can't
-- leave a job QUEUED forever. A queue is declared by the web tier's configuration
-- (forkyard.web.queues), by a worker that serves it, or by an operator through the API. It may be
-- paused (its jobs are accepted and stay QUEUED; none is dispatched or claimed) and may have a
-- concurrency limit that holds across all workers: at most that many of its jobs RUNNING at once.
CREATE TABLE queue (
    name               varchar(64)  PRIMARY KEY,
    paused             boolean      NOT NULL DEFAULT false,
    concurrency_limit  integer      CHECK (concurrency_limit >= 1),
    created_at         timestamptz  NOT NULL DEFAULT now(),
    updated_at         timestamptz  NOT NULL DEFAULT now()
);

-- Every queue that already has jobs is declared, so an upgrade strands no job.
INSERT INTO queue (name) SELECT DISTINCT queue FROM job;
INSERT INTO queue (name) VALUES ('default') ON CONFLICT DO NOTHING;

-- Queues are shared by every tenant: declaring, pausing and limiting them is an operator's act.
ALTER TABLE api_key ADD COLUMN operator boolean NOT NULL DEFAULT false;

-- Attempt times by the clock at the row change, not at the start of its transaction. A claim of a
-- limited queue waits for the queue's lock and then counts what runs; with the transaction's start
-- time its attempt could seem to begin before the attempt it waited for had ended.
CREATE OR REPLACE FUNCTION job_attempt_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'RUNNING' THEN
        INSERT INTO job_attempt (job_id, attempt, lease_token, worker, claimed_at)
        VALUES (NEW.id, NEW.attempt, NEW.lease_token, NEW.lease_owner, clock_timestamp());
    ELSE
        UPDATE job_attempt
           SET ended_at = clock_timestamp(),
               started_at = NEW.started_at,
               outcome = CASE WHEN NEW.status IN ('SUCCEEDED', 'CANCELLED') THEN NEW.status
                              WHEN NEW.attempt < OLD.attempt THEN 'RELEASED'
                              ELSE NEW.error_code END
         WHERE lease_token = OLD.lease_token AND outcome IS NULL;
    END IF;
    RETURN NULL;
END
$$;
