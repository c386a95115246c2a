"""Ledger layer: pure lot matching, positions and P&L; parameters, never config."""
