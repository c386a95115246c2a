-- I4: derived data is reproducible from raw alone.
-- Every canonical event has at least one raw row behind it and its origin raw row
-- exists; every event_source row names an event that exists. (The strong form, a
-- rebuild from raw giving the same export hash, runs in the crash tests.)
SELECT 'trade_fill_without_source' AS problem, e.event_trade_fill_id AS row_id,
       '' AS detail
FROM event_trade_fill e
WHERE NOT EXISTS (SELECT 1 FROM event_source s WHERE s.event_id = e.event_trade_fill_id)
   OR NOT EXISTS (SELECT 1 FROM raw_record r WHERE r.raw_record_id = e.source_raw_record_id)
UNION ALL
SELECT 'cashflow_without_source', e.event_cashflow_id, ''
FROM event_cashflow e
WHERE NOT EXISTS (SELECT 1 FROM event_source s WHERE s.event_id = e.event_cashflow_id)
   OR NOT EXISTS (SELECT 1 FROM raw_record r WHERE r.raw_record_id = e.source_raw_record_id)
UNION ALL
SELECT 'fx_without_source', e.event_fx_id, ''
FROM event_fx e
WHERE NOT EXISTS (SELECT 1 FROM event_source s WHERE s.event_id = e.event_fx_id)
   OR NOT EXISTS (SELECT 1 FROM raw_record r WHERE r.raw_record_id = e.source_raw_record_id)
UNION ALL
SELECT 'corp_action_without_source', e.event_corp_action_id, ''
FROM event_corp_action e
WHERE NOT EXISTS (SELECT 1 FROM event_source s WHERE s.event_id = e.event_corp_action_id)
   OR NOT EXISTS (SELECT 1 FROM raw_record r WHERE r.raw_record_id = e.source_raw_record_id)
UNION ALL
SELECT 'source_without_event', s.event_id, s.event_kind
FROM event_source s
WHERE NOT EXISTS (SELECT 1 FROM raw_record r WHERE r.raw_record_id = s.raw_record_id)
   OR (s.event_kind = 'trade_fill' AND NOT EXISTS (
        SELECT 1 FROM event_trade_fill e WHERE e.event_trade_fill_id = s.event_id))
   OR (s.event_kind = 'cashflow' AND NOT EXISTS (
        SELECT 1 FROM event_cashflow e WHERE e.event_cashflow_id = s.event_id))
   OR (s.event_kind = 'fx' AND NOT EXISTS (
        SELECT 1 FROM event_fx e WHERE e.event_fx_id = s.event_id))
   OR (s.event_kind = 'corp_action' AND NOT EXISTS (
        SELECT 1 FROM event_corp_action e WHERE e.event_corp_action_id = s.event_id))
