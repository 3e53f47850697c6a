-- Priorities within a queue (README "Priorities"): 0 (the default) to 9, higher sooner. A job of
-- priority 5 or more is published to its queue's urgent topic, which workers fetch on a consumer of
-- its own, and waits in a worker's buffer before every job of lower priority.
ALTER TABLE job ADD COLUMN priority smallint NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 9);
