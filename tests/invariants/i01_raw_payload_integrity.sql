-- I1: raw payload bytes are stored once with their SHA-256 and never changed.
-- SQL checks the shape (hash format, size present, known encoding) and that every
-- raw row agrees with its artifact on the bytes and the scope it came from; the
-- helper (checks.py) also decompresses each payload and recomputes its SHA-256
-- and size, which SQL cannot do on both engines. Over time (before/after a run)
-- the crash tests compare the raw rows themselves: earlier ones never change.
SELECT 'artifact_shape' AS problem, a.raw_artifact_id AS row_id, a.payload_sha256 AS detail
FROM raw_artifact a
WHERE length(a.payload_sha256) <> 64
   OR a.payload_size_bytes IS NULL
   OR a.payload_encoding NOT IN ('identity', 'gzip')
UNION ALL
SELECT 'record_without_artifact', r.raw_record_id, r.payload_sha256
FROM raw_record r
WHERE NOT EXISTS (
    SELECT 1 FROM raw_artifact a WHERE a.raw_artifact_id = r.raw_artifact_id
)
UNION ALL
SELECT 'record_disagrees_with_artifact', r.raw_record_id, r.payload_sha256
FROM raw_record r
JOIN raw_artifact a ON a.raw_artifact_id = r.raw_artifact_id
WHERE a.payload_sha256 <> r.payload_sha256
   OR a.account_id <> r.account_id
   OR a.period_key <> r.period_key
   OR a.flex_query_id <> r.flex_query_id
