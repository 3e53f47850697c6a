-- Tracing (README "Tracing"): the W3C traceparent of the submit request that created the job, so
-- every publish of the job (first dispatch, retry, hand-back, rescue) continues the same trace.
-- NULL when the submit was not traced; such a job makes no spans anywhere.
ALTER TABLE job ADD COLUMN trace_parent text;
