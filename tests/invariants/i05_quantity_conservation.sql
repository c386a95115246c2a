-- I5: quantity conservation. The ledger compares its lots with every IBKR
-- OpenPositions SUMMARY row (a `position_qty` check per instrument and date);
-- a failed check is a violation unless an open manual case on the instrument
-- explains it. A reported position with no check at all is one too: the ledger
-- never looked at it (a half-written ledger).
SELECT 'position_differs' AS problem,
       CAST(c.instrument_id AS TEXT) || ':' || CAST(c.report_date_local AS TEXT) AS row_id,
       COALESCE(c.reason_code, '') AS detail
FROM ledger_check c
WHERE c.check_kind = 'position_qty'
  AND c.passed = false
  AND NOT EXISTS (
      SELECT 1 FROM corp_action_case k
      WHERE k.instrument_id = c.instrument_id AND k.status = 'open'
  )
UNION ALL
SELECT 'held_instrument_unchecked', CAST(l.instrument_id AS TEXT), ''
FROM position_lot l
WHERE l.status = 'open'
  AND EXISTS (SELECT 1 FROM ledger_check c0 WHERE c0.check_kind = 'position_qty')
  AND NOT EXISTS (
      SELECT 1 FROM ledger_check c
      WHERE c.check_kind = 'position_qty' AND c.instrument_id = l.instrument_id
  )
GROUP BY l.instrument_id
