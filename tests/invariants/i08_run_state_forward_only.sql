-- I8: run state only moves forward: started → success | failed (abandoned runs
-- are closed `failed` with INGESTION_STALE_RUN). A closed run has its end, an
-- open one has none; success carries no error code and failure always one.
SELECT 'unknown_status' AS problem, ingestion_run_id AS row_id, status AS detail
FROM ingestion_run
WHERE status NOT IN ('started', 'success', 'failed')
UNION ALL
SELECT 'open_run_with_end', ingestion_run_id, status
FROM ingestion_run
WHERE status = 'started' AND (ended_at_utc IS NOT NULL OR error_code IS NOT NULL)
UNION ALL
SELECT 'closed_run_without_end', ingestion_run_id, status
FROM ingestion_run
WHERE status IN ('success', 'failed')
  AND (ended_at_utc IS NULL OR ended_at_utc < started_at_utc OR duration_ms < 0)
UNION ALL
SELECT 'success_with_error', ingestion_run_id, error_code
FROM ingestion_run
WHERE status = 'success' AND error_code IS NOT NULL
UNION ALL
SELECT 'failure_without_code', ingestion_run_id, status
FROM ingestion_run
WHERE status = 'failed' AND error_code IS NULL
