"""Analytics layer: pure aggregations and reconciliation diffs over ledger outputs."""
