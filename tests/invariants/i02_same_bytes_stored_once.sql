-- I2: the same bytes are one raw artifact, and a row of it is stored once.
-- Stricter than the unique constraint (which includes period and query): the
-- importer finds an artifact by account and hash alone, so two artifacts of the
-- same bytes mean a dedupe was missed (a race, or a half-committed earlier run).
SELECT 'duplicate_artifact' AS problem, account_id || ':' || payload_sha256 AS row_id,
       CAST(COUNT(*) AS TEXT) AS detail
FROM raw_artifact
GROUP BY account_id, payload_sha256
HAVING COUNT(*) > 1
UNION ALL
SELECT 'duplicate_row', CAST(raw_artifact_id AS TEXT) || ':' || section_name || ':' || source_row_ref,
       CAST(COUNT(*) AS TEXT)
FROM raw_record
GROUP BY raw_artifact_id, section_name, source_row_ref
HAVING COUNT(*) > 1
