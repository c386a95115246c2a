"""Pure P&L aggregation: periods, provisional marks, labels that overlap."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from flexledger.analytics.pnl import (
    InstrumentPnl,
    LabelMembers,
    SnapshotFigures,
    pnl_by_instrument,
    pnl_by_label,
    sort_instrument_rows,
    sort_label_rows,
)

A = uuid.UUID(int=1)
B = uuid.UUID(int=2)
C = uuid.UUID(int=3)
D = Decimal


def _snap(  # noqa: PLR0913 - keyword-only knobs, each test sets a few
    instrument_id: uuid.UUID,
    day: int,
    *,
    realized: str = "0",
    unrealized: str = "0",
    fees: str = "0",
    dividends: str = "0",
    withholding: str = "0",
    other_fees: str = "0",
    provisional: bool = False,
    cases: int = 0,
    codes: tuple[str, ...] = (),
) -> SnapshotFigures:
    return SnapshotFigures(
        instrument_id=instrument_id,
        conid=str(instrument_id.int),
        symbol=f"S{instrument_id.int}",
        report_date_local=dt.date(2026, 1, day),
        currency="USD",
        position_qty=D(day),
        cost_basis=D("100"),
        realized_pnl=D(realized),
        unrealized_pnl=D(unrealized),
        fees=D(fees),
        withholding_tax=D(withholding),
        dividends=D(dividends),
        other_fees=D(other_fees),
        provisional=provisional,
        unresolved_cases=cases,
        diagnostic_codes=codes,
    )


HISTORY = [
    _snap(A, 2, realized="10", unrealized="5", fees="-1", dividends="2"),
    _snap(A, 5, realized="15", unrealized="7", fees="-2", dividends="2",
          withholding="-0.3", provisional=True, codes=("X",)),
    _snap(A, 9, realized="40", unrealized="-3", fees="-4", dividends="6",
          withholding="-0.9", other_fees="-0.5", cases=1, codes=("Y",)),
    _snap(B, 3, realized="1", unrealized="1"),
    _snap(B, 8, realized="3", unrealized="2", fees="-1"),
]  # fmt: skip


def _one(rows: list[InstrumentPnl], instrument_id: uuid.UUID) -> InstrumentPnl:
    return next(r for r in rows if r.instrument_id == instrument_id)


def test_without_a_range_the_latest_snapshot_is_the_row() -> None:
    a = _one(pnl_by_instrument(HISTORY), A)
    assert a.report_date_local == dt.date(2026, 1, 9)
    assert (a.realized_pnl, a.unrealized_pnl, a.total_pnl) == (D(40), D(-3), D(37))
    assert (a.fees, a.dividends, a.withholding_tax) == (D(-4), D(6), D("-0.9"))
    assert a.economic_pnl == D(37) + D(6) - D("0.9") - D("0.5")
    assert a.position_qty == D(9)
    assert a.unresolved_cases == 1
    assert a.provisional is True
    assert a.diagnostic_codes == ("X", "Y")


def test_a_period_is_the_difference_to_the_snapshot_before_it() -> None:
    rows = pnl_by_instrument(
        HISTORY, date_from=dt.date(2026, 1, 4), date_to=dt.date(2026, 1, 8)
    )
    a = _one(rows, A)
    assert a.report_date_local == dt.date(2026, 1, 5)
    assert a.realized_pnl == D(5)  # 15 at the 5th less 10 on the 2nd
    assert a.fees == D(-1)
    assert a.dividends == D(0)
    assert a.withholding_tax == D("-0.3")
    assert a.unrealized_pnl == D(7)  # as of the range's last snapshot
    assert a.total_pnl == D(12)
    assert a.economic_pnl == D("11.7")
    b = _one(rows, B)
    assert (b.realized_pnl, b.fees, b.unrealized_pnl) == (D(2), D(-1), D(2))
    assert b.provisional is False


def test_no_earlier_snapshot_means_the_period_starts_from_zero() -> None:
    rows = pnl_by_instrument(HISTORY, date_from=dt.date(2026, 1, 1))
    assert _one(rows, B).realized_pnl == D(3)


def test_provisional_only_from_snapshots_in_the_range() -> None:
    late = pnl_by_instrument(HISTORY, date_from=dt.date(2026, 1, 6))
    a = _one(late, A)
    assert a.provisional is False
    assert a.diagnostic_codes == ("Y",)
    assert a.realized_pnl == D(25)
    early = pnl_by_instrument(HISTORY, date_to=dt.date(2026, 1, 5))
    assert _one(early, A).provisional is True


def test_instruments_without_a_snapshot_in_the_range_are_left_out() -> None:
    rows = pnl_by_instrument(HISTORY, date_from=dt.date(2026, 1, 9))
    assert [r.instrument_id for r in rows] == [A]
    assert pnl_by_instrument(HISTORY, date_to=dt.date(2026, 1, 1)) == []


def test_an_instrument_with_two_labels_counts_in_both() -> None:
    rows = pnl_by_instrument([*HISTORY, _snap(C, 4, realized="100")])
    labels = [
        LabelMembers(uuid.UUID(int=10), "growth", frozenset({A, B})),
        LabelMembers(uuid.UUID(int=11), "core", frozenset({A})),
        LabelMembers(uuid.UUID(int=12), "empty", frozenset()),
    ]
    by_label = pnl_by_label(rows, labels)
    assert [r.label_name for r in by_label] == ["core", "growth", None]
    core, growth, unlabelled = by_label
    a, b = _one(rows, A), _one(rows, B)
    assert growth.instrument_count == 2
    assert growth.instrument_ids == (A, B)
    assert growth.realized_pnl == a.realized_pnl + b.realized_pnl
    assert growth.total_pnl == a.total_pnl + b.total_pnl
    assert growth.economic_pnl == a.economic_pnl + b.economic_pnl
    assert core.total_pnl == a.total_pnl
    assert core.unresolved_cases == 1
    assert (unlabelled.label_id, unlabelled.instrument_ids) == (None, (C,))
    assert unlabelled.realized_pnl == D(100)
    assert growth.report_date_local == dt.date(2026, 1, 9)


def test_label_totals_equal_the_sum_of_their_members() -> None:
    rows = pnl_by_instrument(HISTORY, date_from=dt.date(2026, 1, 3))
    label = LabelMembers(uuid.UUID(int=10), "all", frozenset({A, B}))
    (total,) = pnl_by_label(rows, [label])
    for field in (
        "realized_pnl",
        "unrealized_pnl",
        "total_pnl",
        "fees",
        "withholding_tax",
        "dividends",
        "other_fees",
        "economic_pnl",
    ):
        assert getattr(total, field) == sum(getattr(r, field) for r in rows), field
    assert total.diagnostic_codes == ("X", "Y")


def test_provisional_propagates_to_every_label_of_the_instrument() -> None:
    rows = pnl_by_instrument([_snap(A, 1, provisional=True), _snap(B, 1)])
    labels = [
        LabelMembers(uuid.UUID(int=10), "x", frozenset({A, B})),
        LabelMembers(uuid.UUID(int=11), "y", frozenset({B})),
    ]
    flags = {r.label_name: r.provisional for r in pnl_by_label(rows, labels)}
    assert flags == {"x": True, "y": False}
    assert pnl_by_label(rows, labels, include_unlabelled=False)[-1].label_name == "y"


def test_sorting_breaks_ties_by_id() -> None:
    rows = pnl_by_instrument([_snap(B, 1, realized="5"), _snap(A, 1, realized="5")])
    asc = sort_instrument_rows(rows, "realized_pnl", "asc")
    assert [r.instrument_id for r in asc] == [A, B]
    desc = sort_instrument_rows(rows, "realized_pnl", "desc")
    assert [r.instrument_id for r in desc] == [B, A]
    labels = pnl_by_label(rows, [LabelMembers(uuid.UUID(int=10), "z", frozenset({A}))])
    by_count = sort_label_rows(labels, "instrument_count", "desc")
    assert [r.label_name for r in by_count] == ["z", None]  # ties: by label id
