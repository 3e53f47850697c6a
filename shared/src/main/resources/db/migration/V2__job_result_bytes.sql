-- Binary results (the PNG of an image job) are kept beside the JSON result and served raw at
-- GET /api/jobs/{id}/result; the job view carries only their size and content type.
ALTER TABLE job ADD COLUMN result_bytes bytea;
ALTER TABLE job ADD COLUMN result_content_type varchar(100);
