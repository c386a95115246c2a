-- I10: a payload that failed validation never contributes a canonical row.
-- A run refused at preflight or by the reader stores no raw rows (at most the
-- artifact, as evidence); a run refused by the mapping contract keeps its raw
-- rows, but no event may rest on them.
SELECT 'rows_of_refused_payload' AS problem, r.raw_record_id AS row_id,
       u.error_code AS detail
FROM raw_record r
JOIN ingestion_run u ON u.ingestion_run_id = r.ingestion_run_id
WHERE u.status = 'failed'
  AND u.error_code IN (
      'MALFORMED_STATEMENT', 'STATEMENT_TRUNCATED', 'UNSAFE_XML',
      'NOT_A_FLEX_STATEMENT', 'STATEMENT_TOO_LARGE', 'STATEMENT_READ_ERROR',
      'MISSING_REQUIRED_SECTION', 'ACCOUNT_MISMATCH', 'BASE_CURRENCY_MISMATCH'
  )
UNION ALL
SELECT 'event_on_refused_rows', s.event_id, u.error_code
FROM event_source s
JOIN raw_record r ON r.raw_record_id = s.raw_record_id
JOIN ingestion_run u ON u.ingestion_run_id = r.ingestion_run_id
WHERE u.status = 'failed' AND u.error_code = 'INGESTION_CONTRACT_ERROR'
