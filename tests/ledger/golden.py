"""Compute a statement file's ledger without a database, as deterministic JSON.

Rows are mapped exactly as tests/mapping/golden.py maps them; the events then go
into the ledger as the db layer would hand them over, so a golden file changes
when mapping or ledger output does, and only then.
"""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from flexledger.domain.canonical import (
    Cashflow,
    CorpActionLeg,
    FxRate,
    TradeFill,
    instrument_id_for,
)
from flexledger.ledger.compute import LedgerOutput, compute_ledger
from flexledger.ledger.inputs import (
    CashRecord,
    FillRecord,
    LedgerInputs,
    LegRecord,
    LinkRecord,
    PositionRecord,
    RateRecord,
)
from flexledger.ledger.matching import matcher_for
from flexledger.mapping.corporate_actions import assign_cases, ratio_of, settle_actions
from flexledger.mapping.instruments import resolve_instrument, sightings_of
from flexledger.mapping.pipeline import map_rows
from flexledger.mapping.reference import reported_position
from flexledger.mapping.registry import MapperRegistry, MappingContext
from flexledger.mapping.resolve import resolve_events
from tests.mapping.golden import DEFAULT_TIMEZONE, base_currency, plain, source_rows

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "ledger"


def ledger_of(path: Path, registry: MapperRegistry) -> tuple[str, LedgerOutput]:
    """The file's account and its ledger."""
    rows = source_rows(path)
    base = base_currency(rows)
    result = map_rows(rows, registry, MappingContext(base, DEFAULT_TIMEZONE))
    resolved, _ = resolve_events(result.events)
    events = [r.event for r in resolved]
    legs, links = settle_actions([e for e in events if isinstance(e, CorpActionLeg)])
    legs = assign_cases(legs)
    account = rows[0].account_id if rows else "unknown"
    inputs = LedgerInputs()
    for event in events:
        if isinstance(event, TradeFill):
            inputs.fills.append(_fill(event))
        elif isinstance(event, Cashflow) and event.instrument_id is not None:
            inputs.cash.append(
                CashRecord(
                    event.instrument_id,
                    event.report_date_local,
                    event.cash_action,
                    event.amount,
                    event.amount_in_base,
                    event.currency,
                )
            )
        elif (
            isinstance(event, FxRate)
            and event.fx_rate is not None
            and event.functional_currency == base
        ):
            inputs.rates.append(_rate(event))
    cases: dict[uuid.UUID, set[uuid.UUID]] = {}
    for leg in legs:
        if leg.instrument_id is None:
            continue
        if leg.manual_case_id is not None:
            cases.setdefault(leg.instrument_id, set()).add(leg.manual_case_id)
        if leg.action_id is not None:
            inputs.legs.append(
                LegRecord(
                    leg.action_id,
                    leg.instrument_id,
                    leg.reorg_code,
                    leg.report_date_local,
                    leg.quantity,
                    leg.requires_manual,
                    ratio_of(leg.description),
                )
            )
    inputs.open_cases = {i: len(c) for i, c in cases.items()}
    inputs.links = [
        LinkRecord(
            instrument_id_for(link.account_id, link.from_conid),
            instrument_id_for(link.account_id, link.to_conid),
            link.action_id,
            link.report_date_local,
        )
        for link in links
    ]
    for row in rows:
        reported = reported_position(row)
        if reported is not None:
            inputs.positions.append(
                PositionRecord(
                    instrument_id_for(reported.account_id, reported.conid),
                    reported.report_date,
                    reported.position,
                    reported.mark_price,
                    reported.cost_basis_money,
                    reported.fx_rate_to_base,
                )
            )
    inputs.calendar = sorted({r.report_date_local for r in rows if r.report_date_local})
    sightings: dict[tuple[str, str], list[Any]] = {}
    for facts in result.instruments:
        sightings.setdefault((facts.account_id, facts.conid), []).extend(
            sightings_of(facts)
        )
    for (owner, conid), seen in sightings.items():
        state = resolve_instrument(owner, conid, seen, default_currency=base)
        inputs.currencies[instrument_id_for(owner, conid)] = state.currency
    return account, compute_ledger(account, base, inputs, matcher_for("fifo"))


def _fill(event: TradeFill) -> FillRecord:
    return FillRecord(
        event.event_id,
        event.instrument_id,
        event.ib_exec_id,
        event.transaction_id,
        event.trade_timestamp_utc,
        event.report_date_local,
        event.quantity,
        event.price,
        event.commission,
        event.fees,
        event.realized_pnl,
        event.cost,
        event.net_cash,
        event.net_cash_in_base,
        event.fx_rate_to_base,
        event.currency,
        event.commission_currency,
        event.is_cancellation,
        event.close_price,
    )


def _rate(event: FxRate) -> RateRecord:
    assert event.fx_rate is not None
    return RateRecord(event.currency, event.report_date_local, event.fx_rate)


def document(path: Path, registry: MapperRegistry) -> dict[str, Any]:
    """The golden JSON of a file's ledger."""
    _, output = ledger_of(path, registry)
    lots: list[dict[str, Any]] = []
    closures: list[dict[str, Any]] = []
    for instrument_id in sorted(output.books, key=str):
        book = output.books[instrument_id]
        lots.extend(
            {
                "instrument_id": str(lot.instrument_id),
                "open_fill_id": str(lot.open_fill_id) if lot.open_fill_id else None,
                "direction": lot.direction.value,
                "opened_at": plain(lot.opened_at),
                "open_quantity": plain(lot.open_quantity),
                "remaining": plain(lot.remaining),
                "open_price": plain(lot.open_price),
                "cost": plain(lot.cost),
                "remaining_cost": plain(lot.remaining_cost),
                "realized": plain(lot.realized),
                "basis_source": lot.basis_source.value,
            }
            for lot in book.lots
        )
        closures.extend(
            {
                "instrument_id": str(c.instrument_id),
                "close_fill_id": str(c.close_fill_id),
                "lot_id": str(c.lot_id) if c.lot_id else None,
                "quantity": plain(c.quantity),
                "cost": plain(c.cost),
                "proceeds": plain(c.proceeds),
                "realized": plain(c.realized),
                "realized_base": plain(c.realized_base),
                "holding_days": c.holding_days,
                "basis_source": c.basis_source.value,
            }
            for c in book.closures
        )
    checks = [
        {
            "kind": c.kind.value,
            "instrument_id": str(c.instrument_id),
            "fill_id": str(c.fill_id) if c.fill_id else None,
            "date": c.business_date.isoformat(),
            "ours": plain(c.ours),
            "broker": plain(c.broker),
            "passed": c.passed,
            "reason": c.reason.value if c.reason else None,
        }
        for c in output.checks
    ]
    snapshots = [
        {
            name: plain(getattr(s, name))
            for name in (
                "instrument_id",
                "business_date",
                "position_qty",
                "cost_basis",
                "realized_pnl",
                "unrealized_pnl",
                "total_pnl",
                "fees",
                "withholding_tax",
                "dividends",
                "other_fees",
                "provisional",
                "valuation_source",
                "fx_source",
                "realized_pnl_local",
                "unrealized_pnl_local",
                "mark_price",
                "unresolved_cases",
                "diagnostic_codes",
            )
        }
        for s in output.snapshots
    ]
    return {
        "fixture": path.name,
        "agreement": agreement(output),
        "lots": lots,
        "closures": closures,
        "checks": checks,
        "snapshots": snapshots,
        "findings": sorted(
            [f.code.value, str(f.instrument_id), f.business_date.isoformat()]
            for f in output.findings
        ),
    }


def agreement(output: LedgerOutput) -> dict[str, Any]:
    """The per-trade and position agreement table of one file."""
    table: dict[str, Any] = {}
    for kind in ("trade_realized_pnl", "position_qty"):
        checks = [c for c in output.checks if c.kind.value == kind]
        table[kind] = {
            "total": len(checks),
            "matched": sum(1 for c in checks if c.passed and c.reason is None),
            "by_reason": dict(
                sorted(Counter(c.reason.value for c in checks if c.reason).items())
            ),
        }
    return table
