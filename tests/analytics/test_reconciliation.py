"""Reconciliation diffs (pure): periods, views, tolerances straddled, reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

import pytest

from flexledger.analytics.pnl import SnapshotFigures
from flexledger.analytics.reconciliation import (
    DiffReason,
    InstrumentRef,
    Mode,
    PeriodFigure,
    StoredCheck,
    diff_rows,
    sort_diff_rows,
)
from flexledger.domain.tolerances import Metric

_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
_RAW = uuid.UUID("00000000-0000-4000-8000-0000000000aa")
_REF = InstrumentRef(_ID, "265598", "AAPL")
D1, D2, D3 = dt.date(2024, 3, 1), dt.date(2024, 3, 4), dt.date(2024, 3, 5)
_ZERO = Decimal(0)


def _snapshot(day: dt.date, **figures: object) -> SnapshotFigures:
    base = SnapshotFigures(
        instrument_id=_ID,
        conid="265598",
        symbol="AAPL",
        report_date_local=day,
        currency="USD",
        position_qty=Decimal(10),
        cost_basis=Decimal(1000),
        realized_pnl=_ZERO,
        unrealized_pnl=_ZERO,
        fees=_ZERO,
        withholding_tax=_ZERO,
        dividends=_ZERO,
        other_fees=_ZERO,
    )
    return dataclasses.replace(base, **figures)  # type: ignore[arg-type]


def _figure(metric: Metric, value: str, start: dt.date = D2) -> PeriodFigure:
    return PeriodFigure(
        instrument=_REF,
        metric=metric,
        start=start,
        end=D3,
        value=Decimal(value),
        source=f"Row.{metric.value}",
        raw_record_id=_RAW,
    )


def _one(
    figure: PeriodFigure,
    snapshots: list[SnapshotFigures],
    mode: Mode = Mode.RECONCILIATION,
) -> dict[str, object]:
    (row,) = diff_rows([], [figure], snapshots, base_currency="USD", mode=mode)
    return dataclasses.asdict(row)


def test_realized_is_the_period_change_of_the_cumulative_figure() -> None:
    history = [
        _snapshot(D1, realized_pnl=Decimal(5)),
        _snapshot(D3, realized_pnl=Decimal(12)),
    ]
    row = _one(_figure(Metric.REALIZED_PNL, "7"), history)
    assert row["economic_value"] == Decimal("7.00")
    assert row["within_tolerance"] is True
    assert row["reason_code"] is None
    assert row["source_raw_record_id"] == _RAW
    assert "2024-03-04..2024-03-05" in str(row["formula_context"])


def test_a_period_from_the_first_day_has_nothing_to_subtract() -> None:
    row = _one(
        _figure(Metric.REALIZED_PNL, "12", start=D1),
        [
            _snapshot(D1, realized_pnl=Decimal(5)),
            _snapshot(D3, realized_pnl=Decimal(12)),
        ],
    )
    assert row["economic_value"] == Decimal("12.00")


@pytest.mark.parametrize(
    ("ours", "broker", "passes"),
    [
        ("10.01", "10", True),  # the absolute tolerance, exactly
        ("10.02", "10", False),  # past it, and 0.2 % off
        ("1000.10", "1000", True),  # past 0.01, but within 0.01 %
        ("1000.11", "1000", False),  # past both
        ("10.014", "10", True),  # rounded half-even to cents first
        ("10.015", "10", False),  # ... 10.02
    ],
)
def test_the_tolerance_matrix_is_straddled(
    ours: str, broker: str, passes: bool
) -> None:
    row = _one(
        _figure(Metric.UNREALIZED_PNL, broker),
        [_snapshot(D3, unrealized_pnl=Decimal(ours))],
    )
    assert row["within_tolerance"] is passes
    assert row["tolerance_abs"] == Decimal("0.01")
    assert row["tolerance_rel"] == Decimal("0.0001")
    assert (row["reason_code"] is None) is passes
    if not passes:
        assert row["reason_code"] == DiffReason.UNEXPLAINED.value


def test_economic_mode_adds_the_income_and_names_the_view_as_reason() -> None:
    history = [
        _snapshot(
            D3,
            realized_pnl=Decimal(7),
            dividends=Decimal("2.40"),
            withholding_tax=Decimal("-0.36"),
            other_fees=Decimal("-0.04"),
        )
    ]
    figure = _figure(Metric.REALIZED_PNL, "7", start=D1)
    aligned = _one(figure, history)
    economic = _one(figure, history, Mode.ECONOMIC)
    assert aligned["within_tolerance"] is True
    assert economic["economic_value"] == Decimal("9.00")
    assert economic["abs_diff"] == Decimal("2.00")
    assert economic["within_tolerance"] is False
    assert economic["reason_code"] == DiffReason.ECONOMIC_VIEW.value
    assert "dividends 2.4" in str(economic["formula_context"])


def test_commissions_exclude_other_fees_unless_economic() -> None:
    history = [_snapshot(D3, fees=Decimal("-3"), other_fees=Decimal("-1"))]
    figure = _figure(Metric.FEES, "-2", start=D1)
    assert _one(figure, history)["economic_value"] == Decimal("-2.00")
    assert _one(figure, history, Mode.ECONOMIC)["economic_value"] == Decimal("-3.00")


def test_a_figure_without_a_ledger_snapshot_is_not_in_the_ledger() -> None:
    row = _one(_figure(Metric.UNREALIZED_PNL, "-5.5"), [])
    assert row["economic_value"] is None
    assert row["within_tolerance"] is False
    assert row["abs_diff"] == Decimal("5.50")
    assert row["reason_code"] == DiffReason.NOT_IN_LEDGER.value


def test_reasons_come_from_the_period_diagnostics() -> None:
    missing = _snapshot(
        D3, unrealized_pnl=Decimal(1), diagnostic_codes=("INSUFFICIENT_LOTS",)
    )
    case = _snapshot(D3, unrealized_pnl=Decimal(1), unresolved_cases=1)
    assert (
        _one(_figure(Metric.UNREALIZED_PNL, "9"), [missing])["reason_code"]
        == DiffReason.MISSING_OPENING_LOT.value
    )
    with_case = _one(_figure(Metric.UNREALIZED_PNL, "9"), [case])
    assert with_case["reason_code"] == DiffReason.CORPORATE_ACTION_ADJUSTMENT.value
    assert with_case["unresolved_cases"] == 1


def test_agreement_through_ibkr_basis_is_flagged_even_when_it_passes() -> None:
    seeded = _snapshot(
        D3,
        unrealized_pnl=Decimal(9),
        provisional=True,
        diagnostic_codes=("OPENING_LOT_FROM_BROKER",),
    )
    row = _one(_figure(Metric.UNREALIZED_PNL, "9"), [seeded])
    assert row["within_tolerance"] is True
    assert row["reason_code"] == DiffReason.MISSING_OPENING_LOT.value
    assert row["provisional"] is True


def test_stored_checks_keep_their_verdict_and_reason() -> None:
    check = StoredCheck(
        instrument=_REF,
        report_date_local=D2,
        kind="trade_realized_pnl",
        metric=Metric.REALIZED_PNL,
        currency="USD",
        ours=Decimal("8.58348754"),
        broker=Decimal("8.583488"),
        tolerance_abs=Decimal("0.01"),
        tolerance_rel=Decimal("0.0001"),
        passed=True,
        reason="missing_opening_lot",
        detail="the opening lot predates the imported statements",
        event_id=_ID,
        raw_record_id=_RAW,
        provisional=True,
    )
    (row,) = diff_rows([check], [], [], base_currency="USD")
    assert row.abs_diff == Decimal("0.00")  # both sides rounded to cents first
    assert (row.within_tolerance, row.reason_code) == (True, "missing_opening_lot")
    assert row.source_event_id == _ID
    assert "predates" in str(row.formula_context)


def test_rows_sort_by_any_allowed_field() -> None:
    history = [_snapshot(D3, unrealized_pnl=Decimal(1), realized_pnl=Decimal(1))]
    rows = diff_rows(
        [],
        [_figure(Metric.UNREALIZED_PNL, "4"), _figure(Metric.REALIZED_PNL, "2")],
        history,
        base_currency="USD",
    )
    by_diff = sort_diff_rows(rows, "abs_diff", "desc")
    assert [r.metric for r in by_diff] == ["unrealized_pnl", "realized_pnl"]
    by_metric = sort_diff_rows(rows, "metric", "asc")
    assert [r.metric for r in by_metric] == ["realized_pnl", "unrealized_pnl"]
