"""P&L reports by instrument and by label, from daily snapshots (SPEC §12, §13).

Pure: inputs are plain dataclasses built from `pnl_snapshot_daily` rows (base
currency), outputs are report rows. For a business-date range [from, to] (both
optional) each instrument's row is read from its snapshot on or before `to`:

* position, cost basis and unrealized P&L are as of that snapshot;
* the cumulative figures (realized P&L, fees, withholding, dividends, other fees)
  are its values, less those of the instrument's last snapshot before `from` when
  `from` is given (the period's figure);
* `total_pnl` = realized + unrealized (the broker view, CSV v1 column 10) and
  `economic_pnl` = total + dividends + withholding + other fees (SCHEMA: signed;
  commissions are already inside realized and basis; SPEC D-13);
* `provisional` if any snapshot in the range is, `diagnostic_codes` the union of
  the range's codes, `unresolved_cases` as of the `to` snapshot.

An instrument appears only if it has a snapshot in the range. A label's row sums
its member instruments' rows: an instrument with two labels counts in both, and
instruments without a label are reported under one `label_id = None` row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

_ZERO = Decimal(0)

INSTRUMENT_SORT_FIELDS = ("symbol", "realized_pnl", "unrealized_pnl", "total_pnl")
INSTRUMENT_DEFAULT_SORT = ("symbol", "asc")
LABEL_SORT_FIELDS = (
    "label_name",
    "instrument_count",
    "realized_pnl",
    "unrealized_pnl",
    "total_pnl",
)
LABEL_DEFAULT_SORT = ("label_name", "asc")


@dataclass(frozen=True, slots=True)
class SnapshotFigures:
    """One `pnl_snapshot_daily` row of an instrument, in base currency."""

    instrument_id: uuid.UUID
    conid: str
    symbol: str
    report_date_local: dt.date
    currency: str
    position_qty: Decimal
    cost_basis: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    withholding_tax: Decimal
    dividends: Decimal
    other_fees: Decimal
    provisional: bool = False
    unresolved_cases: int = 0
    diagnostic_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LabelMembers:
    """A label and the instruments carrying it."""

    label_id: uuid.UUID
    name: str
    instrument_ids: frozenset[uuid.UUID]


@dataclass(frozen=True, slots=True)
class InstrumentPnl:
    """One instrument's P&L over the range (figures in `currency`, the base)."""

    report_date_local: dt.date
    instrument_id: uuid.UUID
    conid: str
    symbol: str
    currency: str
    position_qty: Decimal
    cost_basis: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    total_pnl: Decimal
    fees: Decimal
    withholding_tax: Decimal
    dividends: Decimal
    other_fees: Decimal
    economic_pnl: Decimal
    provisional: bool
    unresolved_cases: int
    diagnostic_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LabelPnl:
    """The sum of a label's member instruments (`label_id` None: unlabelled).

    `report_date_local` is the latest member date; `unresolved_cases` the sum.
    """

    report_date_local: dt.date
    label_id: uuid.UUID | None
    label_name: str | None
    instrument_count: int
    instrument_ids: tuple[uuid.UUID, ...]
    currency: str
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    total_pnl: Decimal
    fees: Decimal
    withholding_tax: Decimal
    dividends: Decimal
    other_fees: Decimal
    economic_pnl: Decimal
    provisional: bool
    unresolved_cases: int
    diagnostic_codes: tuple[str, ...]


def pnl_by_instrument(
    snapshots: Iterable[SnapshotFigures],
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[InstrumentPnl]:
    """One row per instrument with a snapshot in [date_from, date_to], by symbol."""
    by_instrument: dict[uuid.UUID, list[SnapshotFigures]] = {}
    for snapshot in snapshots:
        if date_to is not None and snapshot.report_date_local > date_to:
            continue
        by_instrument.setdefault(snapshot.instrument_id, []).append(snapshot)
    rows = []
    for history in by_instrument.values():
        row = _instrument_row(history, date_from)
        if row is not None:
            rows.append(row)
    return sort_instrument_rows(rows, *INSTRUMENT_DEFAULT_SORT)


def pnl_by_label(
    rows: Sequence[InstrumentPnl],
    labels: Iterable[LabelMembers],
    *,
    include_unlabelled: bool = True,
) -> list[LabelPnl]:
    """One row per label with at least one member row, plus the unlabelled row.

    Args:
        rows: the by-instrument rows (see `pnl_by_instrument`).
        labels: the labels to report, with their members.
        include_unlabelled: add a `label_id = None` row for instruments without any
            of `labels` (when there are such rows).
    """
    labelled: set[uuid.UUID] = set()
    result = []
    for label in labels:
        members = [r for r in rows if r.instrument_id in label.instrument_ids]
        labelled.update(label.instrument_ids)
        if members:
            result.append(_label_row(label.label_id, label.name, members))
    if include_unlabelled:
        rest = [r for r in rows if r.instrument_id not in labelled]
        if rest:
            result.append(_label_row(None, None, rest))
    return sort_label_rows(result, *LABEL_DEFAULT_SORT)


def sort_instrument_rows(
    rows: Sequence[InstrumentPnl], sort_by: str, sort_dir: str
) -> list[InstrumentPnl]:
    """Rows by an allowlisted field; the instrument id breaks ties."""
    keys: Mapping[str, Callable[[InstrumentPnl], str | Decimal]] = {
        "symbol": lambda r: r.symbol,
        "realized_pnl": lambda r: r.realized_pnl,
        "unrealized_pnl": lambda r: r.unrealized_pnl,
        "total_pnl": lambda r: r.total_pnl,
    }
    key = keys[sort_by]
    return _sorted(rows, lambda r: (key(r), str(r.instrument_id)), sort_dir)


def sort_label_rows(
    rows: Sequence[LabelPnl], sort_by: str, sort_dir: str
) -> list[LabelPnl]:
    """Rows by an allowlisted field; the label id breaks ties.

    The unlabelled row sorts after every named label by name ascending.
    """
    keys: Mapping[str, Callable[[LabelPnl], tuple[bool, str] | int | Decimal]] = {
        "label_name": lambda r: (r.label_name is None, r.label_name or ""),
        "instrument_count": lambda r: r.instrument_count,
        "realized_pnl": lambda r: r.realized_pnl,
        "unrealized_pnl": lambda r: r.unrealized_pnl,
        "total_pnl": lambda r: r.total_pnl,
    }
    key = keys[sort_by]
    return _sorted(rows, lambda r: (key(r), str(r.label_id or "")), sort_dir)


_Row = TypeVar("_Row")


def _sorted(
    rows: Sequence[_Row], key: Callable[[_Row], tuple[Any, str]], sort_dir: str
) -> list[_Row]:
    return sorted(rows, key=key, reverse=sort_dir == "desc")


def _instrument_row(
    history: list[SnapshotFigures], date_from: dt.date | None
) -> InstrumentPnl | None:
    history.sort(key=lambda s: s.report_date_local)
    in_range = [
        s for s in history if date_from is None or s.report_date_local >= date_from
    ]
    if not in_range:
        return None
    last = in_range[-1]
    before = [s for s in history if date_from and s.report_date_local < date_from]
    base = before[-1] if before else None

    def period(field: str) -> Decimal:
        value: Decimal = getattr(last, field)
        return value - (getattr(base, field) if base is not None else _ZERO)

    realized = period("realized_pnl")
    withholding = period("withholding_tax")
    dividends = period("dividends")
    other_fees = period("other_fees")
    total = realized + last.unrealized_pnl
    codes = sorted({code for s in in_range for code in s.diagnostic_codes})
    return InstrumentPnl(
        report_date_local=last.report_date_local,
        instrument_id=last.instrument_id,
        conid=last.conid,
        symbol=last.symbol,
        currency=last.currency,
        position_qty=last.position_qty,
        cost_basis=last.cost_basis,
        realized_pnl=realized,
        unrealized_pnl=last.unrealized_pnl,
        total_pnl=total,
        fees=period("fees"),
        withholding_tax=withholding,
        dividends=dividends,
        other_fees=other_fees,
        economic_pnl=total + dividends + withholding + other_fees,
        provisional=any(s.provisional for s in in_range),
        unresolved_cases=last.unresolved_cases,
        diagnostic_codes=tuple(codes),
    )


def _label_row(
    label_id: uuid.UUID | None, name: str | None, members: Sequence[InstrumentPnl]
) -> LabelPnl:
    def total(field: str) -> Decimal:
        return sum((getattr(m, field) for m in members), _ZERO)

    return LabelPnl(
        report_date_local=max(m.report_date_local for m in members),
        label_id=label_id,
        label_name=name,
        instrument_count=len(members),
        instrument_ids=tuple(sorted((m.instrument_id for m in members), key=str)),
        currency=members[0].currency,
        realized_pnl=total("realized_pnl"),
        unrealized_pnl=total("unrealized_pnl"),
        total_pnl=total("total_pnl"),
        fees=total("fees"),
        withholding_tax=total("withholding_tax"),
        dividends=total("dividends"),
        other_fees=total("other_fees"),
        economic_pnl=total("economic_pnl"),
        provisional=any(m.provisional for m in members),
        unresolved_cases=sum(m.unresolved_cases for m in members),
        diagnostic_codes=tuple(
            sorted({c for m in members for c in m.diagnostic_codes})
        ),
    )
