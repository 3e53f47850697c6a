-- Events for the price of one insert (DESIGN "Events and live views"; issue 22, item 3). An event
-- row is written once and never updated: it records the transaction that wrote it (xid, the
-- 64-bit pg_current_xact_id()), and the event relay keeps, instead of a mark on each row, the last
-- snapshot up to which it has published: a round publishes the events whose transaction that
-- snapshot did not see and the round's own snapshot sees, i.e. those committed in between, in
-- the order their transactions became visible. A long transaction delays only its own events.
--
-- Events written before this migration and not yet published get this migration's transaction,
-- so the relay sends them; published ones keep no xid (NULL), which no round reads.

ALTER TABLE job_event ADD COLUMN xid xid8;
UPDATE job_event SET xid = pg_current_xact_id() WHERE relay_pending;
ALTER TABLE job_event ALTER COLUMN xid SET DEFAULT pg_current_xact_id();

DROP INDEX job_event_relay_due;
ALTER TABLE job_event DROP COLUMN relay_pending;

-- A round reads from the oldest transaction its last snapshot saw running.
CREATE INDEX job_event_xid ON job_event (xid);

-- Where the relay stands, for the web process that relays next (one at a time, under an advisory
-- lock): saved about once a second, not per round; a new relay sends again what its predecessor
-- published after the last save (readers drop what they had). The first snapshot sees no
-- transaction, so the events pending above go out.
CREATE TABLE event_relay (
    id        boolean      PRIMARY KEY DEFAULT true CHECK (id),
    published pg_snapshot  NOT NULL,
    saved_at  timestamptz  NOT NULL DEFAULT now()
);

INSERT INTO event_relay (published) VALUES ('3:3:');
