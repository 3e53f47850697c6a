-- Job events (README "Live events"): every change of a job's status or progress is one row of
-- job_event, numbered per job from 1 (the submit) by one, with no gap and no reuse. Triggers write
-- them in the transaction that makes the change, whoever makes it (a submit, cancel or retry of
-- the web tier, a worker's claim, progress or outcome, the lease sweeper's rescue): no path can
-- forget one, and none is seen before its change commits. The rows are the history that
-- GET /api/jobs/{id}/events replays, and the outbox that the web tier's event relay publishes to
-- the events topic (relay_pending, like job.dispatch_pending).
--
-- The hot path pays one row per event (three for a job that runs once: QUEUED, RUNNING, its
-- outcome), and a row-level trigger only on the updates that change status or progress. The
-- counter lives in the job row (event_seq, in no index, so it keeps updates HOT); the row lock
-- that every change of a job takes makes the numbering race-free. No foreign key: its check would
-- cost every event a lookup and a lock of the job row; a trigger deletes a job's events with it.

ALTER TABLE job ADD COLUMN event_seq integer NOT NULL DEFAULT 1;

CREATE TABLE job_event (
    job_id            uuid         NOT NULL,
    seq               integer      NOT NULL,
    status            varchar(16)  NOT NULL,
    progress_percent  integer,
    progress_message  varchar(500),
    at                timestamptz  NOT NULL,
    -- not yet published to the events topic
    relay_pending     boolean      NOT NULL DEFAULT true,
    PRIMARY KEY (job_id, seq)
);

-- The event relay's sweep: unpublished events, oldest first.
CREATE INDEX job_event_relay_due ON job_event (at) WHERE relay_pending;

-- A submit: one statement may insert a whole batch, so one INSERT per statement carries them all.
CREATE FUNCTION job_event_submitted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_event (job_id, seq, status, progress_percent, progress_message, at)
    SELECT id, event_seq, status, progress_percent, progress_message, created_at FROM inserted;
    RETURN NULL;
END
$$;

CREATE TRIGGER job_event_submitted
    AFTER INSERT ON job
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT
    EXECUTE FUNCTION job_event_submitted();

-- A change of status or progress: the next number, taken under the row lock the update holds.
-- BEFORE, so the number is stored in the same row version; no other BEFORE trigger on job can
-- skip the update after the event is written.
CREATE FUNCTION job_event_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.event_seq := OLD.event_seq + 1;
    INSERT INTO job_event (job_id, seq, status, progress_percent, progress_message, at)
    VALUES (NEW.id, NEW.event_seq, NEW.status, NEW.progress_percent, NEW.progress_message, now());
    RETURN NEW;
END
$$;

CREATE TRIGGER job_event_changed
    BEFORE UPDATE OF status, progress_percent, progress_message ON job
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.progress_percent IS DISTINCT FROM NEW.progress_percent
          OR OLD.progress_message IS DISTINCT FROM NEW.progress_message)
    EXECUTE FUNCTION job_event_changed();

-- A pruned job takes its events along (the retention pruner deletes only finished jobs).
CREATE FUNCTION job_event_pruned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_event WHERE job_id = OLD.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER job_event_pruned
    AFTER DELETE ON job
    FOR EACH ROW
    EXECUTE FUNCTION job_event_pruned();
