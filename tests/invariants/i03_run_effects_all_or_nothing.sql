-- I3: a run's derived effects are all-or-nothing, and a dead run's raw rows are
-- applied by the next run that succeeds.
-- The crash tests check the strong form (export hash = before or complete); this
-- query checks what one state can show: derived rows written by a run that never
-- committed `success` (snapshots carry the run that wrote them), and a run that
-- died after its raw commit (closed `INGESTION_STALE_RUN`) none of whose Trades
-- rows any event rests on although a run has succeeded since it was closed.
SELECT 'snapshot_of_unfinished_run' AS problem,
       CAST(s.instrument_id AS TEXT) || ':' || CAST(s.report_date_local AS TEXT) AS row_id,
       u.status AS detail
FROM pnl_snapshot_daily s
JOIN ingestion_run u ON u.ingestion_run_id = s.ingestion_run_id
WHERE u.status <> 'success'
UNION ALL
SELECT 'stale_rows_never_applied', CAST(u.ingestion_run_id AS TEXT),
       CAST(COUNT(*) AS TEXT)
FROM ingestion_run u
JOIN raw_record r
  ON r.ingestion_run_id = u.ingestion_run_id AND r.section_name = 'Trades'
LEFT JOIN event_source s ON s.raw_record_id = r.raw_record_id
WHERE u.status = 'failed'
  AND u.error_code = 'INGESTION_STALE_RUN'
  AND EXISTS (
      SELECT 1 FROM ingestion_run later
      WHERE later.status = 'success' AND later.ended_at_utc > u.ended_at_utc
  )
GROUP BY u.ingestion_run_id
HAVING COUNT(s.raw_record_id) = 0
