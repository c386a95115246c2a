-- I7: at most one active writer per account: never two `started` runs of one
-- account (the partial unique index is the database's own guard behind the run
-- lock). After a crash one `started` run may remain until the next run closes it;
-- the tests check that the next run does.
SELECT 'two_started_runs' AS problem, account_id AS row_id,
       CAST(COUNT(*) AS TEXT) AS detail
FROM ingestion_run
WHERE status = 'started'
GROUP BY account_id
HAVING COUNT(*) > 1
