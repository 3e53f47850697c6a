-- Dead letters go out through an outbox, as reliably as dispatch: a row is written in the same
-- transaction as what it reports, and the web tier's outbox relay publishes it to the dead-letter
-- topic and deletes it in one transaction that commits only after the broker acknowledged it.
-- A crash between the acknowledgement and the commit publishes a letter twice: at least once.
CREATE TABLE dead_letter (
    id             bigserial    PRIMARY KEY,
    -- 'job-failed': a job that failed for good; 'unreadable-record': a record no worker could read
    reason         varchar(32)  NOT NULL CHECK (reason IN ('job-failed', 'unreadable-record')),
    job_id         uuid,
    job_type       varchar(64),
    error_code     varchar(64),
    error_message  varchar(4000),
    -- an unreadable record: where it came from and its key and value as they were
    source_topic   varchar(255),
    record_key     text,
    record_value   bytea,
    created_at     timestamptz  NOT NULL DEFAULT now(),
    CHECK ((reason = 'job-failed') = (job_id IS NOT NULL))
);

-- ONE writer of job failures, like the attempt history: every change of a job to FAILED, whoever
-- makes it (a worker's outcome, the lease sweeper's rescue of a last attempt), writes its letter
-- in the same transaction. No path can forget it.
CREATE FUNCTION job_dead_letter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dead_letter (reason, job_id, job_type, error_code, error_message)
    VALUES ('job-failed', NEW.id, NEW.type, NEW.error_code, NEW.error_message);
    RETURN NULL;
END
$$;

CREATE TRIGGER job_dead_letter
    AFTER UPDATE OF status ON job
    FOR EACH ROW
    WHEN (NEW.status = 'FAILED' AND OLD.status IS DISTINCT FROM 'FAILED')
    EXECUTE FUNCTION job_dead_letter();
