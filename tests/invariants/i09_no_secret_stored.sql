-- I9: no secret in a database text column. The bound token is the Flex token the test
-- ran with (a canary; a value that cannot occur when there is none); any URL
-- carrying a `t=` query parameter is a leak whatever the token.
SELECT 'run_text' AS problem, ingestion_run_id AS row_id, 'diagnostics' AS detail
FROM ingestion_run
WHERE CAST(diagnostics AS TEXT) LIKE '%' || :token || '%'
   OR CAST(diagnostics AS TEXT) LIKE '%?t=%'
   OR CAST(diagnostics AS TEXT) LIKE '%&t=%'
   OR error_message LIKE '%' || :token || '%'
   OR error_message LIKE '%?t=%'
   OR error_message LIKE '%&t=%'
UNION ALL
SELECT 'artifact_query', raw_artifact_id, flex_query_id
FROM raw_artifact
WHERE flex_query_id LIKE '%' || :token || '%'
