-- Batches (README "Batches"): the jobs of one batch submit share a batch id. A batch is its jobs:
-- its view counts them, and its cancel and retry are bulk actions over them. Only batched jobs are
-- indexed.
ALTER TABLE job ADD COLUMN batch_id uuid;
CREATE INDEX job_batch ON job (batch_id) WHERE batch_id IS NOT NULL;
