-- I6: every ledger figure traces to canonical events (and, by I4, to raw rows):
-- lots to their opening fill (or to a broker-reported position they were seeded
-- from), closures to their closing fill, checks to their fill, snapshots to an
-- event or a lot of their instrument.
SELECT 'lot_without_fill' AS problem, CAST(l.position_lot_id AS TEXT) AS row_id,
       l.basis_source AS detail
FROM position_lot l
WHERE (l.open_event_trade_fill_id IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM event_trade_fill f
          WHERE f.event_trade_fill_id = l.open_event_trade_fill_id))
   OR (l.open_event_trade_fill_id IS NULL AND l.basis_source <> 'broker_position')
UNION ALL
SELECT 'closure_without_fill', CAST(c.lot_closure_id AS TEXT), ''
FROM lot_closure c
WHERE NOT EXISTS (
    SELECT 1 FROM event_trade_fill f
    WHERE f.event_trade_fill_id = c.close_event_trade_fill_id
)
UNION ALL
SELECT 'check_without_fill', CAST(c.ledger_check_id AS TEXT), c.check_kind
FROM ledger_check c
WHERE c.event_trade_fill_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM event_trade_fill f WHERE f.event_trade_fill_id = c.event_trade_fill_id
  )
UNION ALL
SELECT 'snapshot_without_events', CAST(s.instrument_id AS TEXT) || ':' || CAST(s.report_date_local AS TEXT), ''
FROM pnl_snapshot_daily s
WHERE NOT EXISTS (SELECT 1 FROM event_trade_fill f WHERE f.instrument_id = s.instrument_id)
  AND NOT EXISTS (SELECT 1 FROM event_cashflow f WHERE f.instrument_id = s.instrument_id)
  AND NOT EXISTS (SELECT 1 FROM event_corp_action f WHERE f.instrument_id = s.instrument_id)
  AND NOT EXISTS (SELECT 1 FROM position_lot l WHERE l.instrument_id = s.instrument_id)
