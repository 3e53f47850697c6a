-- The dispatch outbox leaves the job row (DESIGN.md "Data flow" 2, "What one job may cost"). A job
-- that becomes QUEUED (a submit, a schedule's tick, a retry, a hand-back, a rescued lease, a retry
-- by hand) gets a row here, written by a trigger in the transaction that queues it, so no path can
-- forget it. The web tier's outbox relay deletes the rows it publishes: a crashed relay's delete
-- rolls back and its rows go out at the next round of any relay. The relay never writes the job
-- row, so a worker's claim never waits for a relay's transaction, and a job that runs once writes
-- three versions of its row (insert, claim, outcome) instead of four.
--
-- The row carries what the record needs (type, queue, priority, trace), so the relay reads nothing
-- else; run_at orders it and holds back a delayed job or retry until its time.
CREATE TABLE job_outbox (
    job_id        uuid         PRIMARY KEY,
    type          varchar(64)  NOT NULL,
    queue         varchar(64)  NOT NULL,
    priority      smallint     NOT NULL,
    trace_parent  text,
    run_at        timestamptz  NOT NULL
);

CREATE INDEX job_outbox_due ON job_outbox (run_at);

-- What was pending under the old scheme goes out under the new one.
INSERT INTO job_outbox (job_id, type, queue, priority, trace_parent, run_at)
SELECT id, type, queue, priority, trace_parent, run_at FROM job WHERE dispatch_pending AND status = 'QUEUED';

DROP INDEX job_dispatch_due;
ALTER TABLE job DROP COLUMN dispatch_pending;
-- Now written only off the hot path: when a job is published again by the relay's safety net, or
-- published long after its run_at (a paused queue resumed, a backlog left by a crash). The safety
-- net publishes a QUEUED job again when neither it nor run_at is recent.
COMMENT ON COLUMN job.dispatched_at IS 'last late or repeated publish of the job (NULL: published on time, once)';

-- A submit: one statement may insert a whole batch, so one INSERT per statement carries them all.
CREATE FUNCTION job_outbox_submitted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_outbox (job_id, type, queue, priority, trace_parent, run_at)
    SELECT id, type, queue, priority, trace_parent, run_at FROM inserted WHERE status = 'QUEUED';
    RETURN NULL;
END
$$;

CREATE TRIGGER job_outbox_submitted
    AFTER INSERT ON job
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT
    EXECUTE FUNCTION job_outbox_submitted();

-- QUEUED again (a retry, a hand-back, a rescue, a retry by hand): published when run_at comes. A
-- job that ends while QUEUED (cancelled) is not published at all. A claim (QUEUED -> RUNNING) does
-- not fire it: its record was published.
CREATE FUNCTION job_outbox_requeued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'QUEUED' THEN
        INSERT INTO job_outbox (job_id, type, queue, priority, trace_parent, run_at)
        VALUES (NEW.id, NEW.type, NEW.queue, NEW.priority, NEW.trace_parent, NEW.run_at)
        ON CONFLICT (job_id) DO UPDATE SET run_at = excluded.run_at;
    ELSE
        DELETE FROM job_outbox WHERE job_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER job_outbox_requeued
    AFTER UPDATE OF status ON job
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          AND (NEW.status = 'QUEUED' OR (OLD.status = 'QUEUED' AND NEW.status <> 'RUNNING')))
    EXECUTE FUNCTION job_outbox_requeued();

-- Puts the QUEUED jobs among ids back in the outbox: records turned away at a claim, a queue's jobs
-- when it is resumed, the safety net's. Jobs already in it, or no longer QUEUED, are left alone.
-- Returns how many it put back.
CREATE FUNCTION job_outbox_put(ids uuid[]) RETURNS integer LANGUAGE sql AS $$
    WITH put AS (
        INSERT INTO job_outbox (job_id, type, queue, priority, trace_parent, run_at)
        SELECT id, type, queue, priority, trace_parent, run_at FROM job WHERE id = ANY(ids) AND status = 'QUEUED'
        ON CONFLICT (job_id) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM put
$$;
