"""Reconciliation diffs: our figures beside IBKR's own, by day and instrument.

Pure. Every row is judged by the one tolerance matrix (`domain.tolerances`), so
the API, the CSV and the UI cannot disagree on a verdict. Two kinds of input:

* the ledger's stored checks (`ledger_check`): per closing trade (ours vs
  `fifoPnlRealized`, instrument currency) and per OpenPositions quantity; their
  verdict and reason were made by the ledger with the same matrix;
* broker figures read from raw rows (`mapping.broker_figures`), compared here
  with the daily snapshots (base currency): realized P&L and commissions over the
  statement's period (cumulative at its end less the last snapshot before it
  starts), unrealized P&L at its end, withholding on the day.

`mode` picks our side. ``reconciliation`` (default) is the broker-aligned view,
the one IBKR's figures are defined on. ``economic`` (SPEC D-13) adds to realized
P&L the period's dividends, withholding and other fees, and to commissions the
other fees; a difference that only the economic items explain gets the reason
``economic_view``. Unrealized P&L, withholding and positions are the same in
both views.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flexledger.analytics.pnl import SnapshotFigures
from flexledger.domain.tolerances import Metric, judge

_ZERO = Decimal(0)

DIFF_SORT_FIELDS = ("report_date_local", "symbol", "metric", "abs_diff")
DIFF_DEFAULT_SORT = ("report_date_local", "asc")


class Mode(enum.StrEnum):
    """Which of our views is compared with IBKR's figures."""

    RECONCILIATION = "reconciliation"
    ECONOMIC = "economic"


class DiffReason(enum.StrEnum):
    """Why a row is out of tolerance (or agrees only through IBKR's basis).

    The first six are the ledger's per-trade reasons (`ledger.agreement.Reason`).
    """

    MISSING_OPENING_LOT = "missing_opening_lot"
    COMMISSION_TREATMENT = "commission_treatment"
    FX_SOURCE = "fx_source"
    CORPORATE_ACTION_ADJUSTMENT = "corporate_action_adjustment"
    LOT_RELIEF_METHOD = "lot_relief_method"
    UNEXPLAINED = "unexplained"
    VALUATION_SOURCE = "valuation_source"
    ECONOMIC_VIEW = "economic_view"
    NOT_IN_LEDGER = "not_in_ledger"


# Snapshot diagnostic codes, most telling first, and the reason each gives.
_REASON_BY_CODE: tuple[tuple[str, DiffReason], ...] = (
    ("INSUFFICIENT_LOTS", DiffReason.MISSING_OPENING_LOT),
    ("OPENING_LOT_FROM_BROKER", DiffReason.MISSING_OPENING_LOT),
    ("CORP_ACTION", DiffReason.CORPORATE_ACTION_ADJUSTMENT),
    ("FX_RATE", DiffReason.FX_SOURCE),
    ("EOD_MARK", DiffReason.VALUATION_SOURCE),
)


@dataclass(frozen=True, slots=True)
class InstrumentRef:
    """The instrument a row is about."""

    instrument_id: uuid.UUID
    conid: str
    symbol: str


@dataclass(frozen=True, slots=True)
class StoredCheck:
    """One `ledger_check` row, with what it links to."""

    instrument: InstrumentRef
    report_date_local: dt.date
    kind: str
    metric: Metric
    currency: str
    ours: Decimal | None
    broker: Decimal
    tolerance_abs: Decimal
    tolerance_rel: Decimal
    passed: bool
    reason: str | None
    detail: str | None
    event_id: uuid.UUID | None
    raw_record_id: uuid.UUID | None
    provisional: bool
    unresolved_cases: int = 0


@dataclass(frozen=True, slots=True)
class PeriodFigure:
    """A broker figure with the business dates it covers (`start` = `end` for a day).

    `value` is in base currency; `source` names the attribute it was read from.
    """

    instrument: InstrumentRef
    metric: Metric
    start: dt.date
    end: dt.date
    value: Decimal
    source: str
    raw_record_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One compared figure (CSV v1 `/reports/reconciliation/diff`, SPEC §13).

    `broker_value` is IBKR's figure; `economic_value` ours in the chosen mode
    (None when the ledger has no figure). `abs_diff` and `rel_diff` are over both
    sides rounded as the tolerance matrix rounds them.
    """

    report_date_local: dt.date
    instrument_id: uuid.UUID
    conid: str
    symbol: str
    metric: str
    currency: str
    broker_value: Decimal | None
    economic_value: Decimal | None
    abs_diff: Decimal
    rel_diff: Decimal | None
    tolerance_abs: Decimal
    tolerance_rel: Decimal
    within_tolerance: bool
    reason_code: str | None
    formula_context: str | None
    source: str
    source_event_id: uuid.UUID | None
    source_raw_record_id: uuid.UUID | None
    provisional: bool
    unresolved_cases: int = 0


def diff_rows(
    checks: Iterable[StoredCheck],
    figures: Iterable[PeriodFigure],
    snapshots: Iterable[SnapshotFigures],
    *,
    base_currency: str,
    mode: Mode = Mode.RECONCILIATION,
) -> list[DiffRow]:
    """Every comparison: the stored checks, then each broker figure vs ours."""
    rows = [_check_row(check) for check in checks]
    history = _History(snapshots)
    rows.extend(_figure_row(f, history, base_currency, mode) for f in figures)
    return rows


def sort_diff_rows(
    rows: Sequence[DiffRow], sort_by: str, sort_dir: str
) -> list[DiffRow]:
    """Rows by an allowlisted field; date, symbol, metric and source break ties."""
    keys: Mapping[str, Callable[[DiffRow], object]] = {
        "report_date_local": lambda r: r.report_date_local,
        "symbol": lambda r: r.symbol,
        "metric": lambda r: r.metric,
        "abs_diff": lambda r: r.abs_diff,
    }
    key = keys[sort_by]
    return sorted(
        rows,
        key=lambda r: (
            key(r),
            r.report_date_local,
            r.symbol,
            r.metric,
            r.source,
            str(r.source_raw_record_id),
            str(r.source_event_id),
        ),
        reverse=sort_dir == "desc",
    )


def _check_row(check: StoredCheck) -> DiffRow:
    if check.ours is None:
        abs_diff = abs(check.broker)
    else:
        verdict = judge(check.metric, check.ours, check.broker, check.currency)
        abs_diff = abs(verdict.difference)
    context = (
        "per closing trade: our lots' realized P&L vs Trade.fifoPnlRealized, "
        f"in {check.currency}"
        if check.metric is Metric.REALIZED_PNL
        else "our position vs OpenPosition.position on the date"
    )
    if check.detail:
        context = f"{context}; {check.detail}"
    return DiffRow(
        report_date_local=check.report_date_local,
        instrument_id=check.instrument.instrument_id,
        conid=check.instrument.conid,
        symbol=check.instrument.symbol,
        metric=check.metric.value,
        currency=check.currency,
        broker_value=check.broker,
        economic_value=check.ours,
        abs_diff=abs_diff,
        rel_diff=_relative(abs_diff, check.broker),
        tolerance_abs=check.tolerance_abs,
        tolerance_rel=check.tolerance_rel,
        within_tolerance=check.passed,
        reason_code=check.reason,
        formula_context=context,
        source=check.kind,
        source_event_id=check.event_id,
        source_raw_record_id=check.raw_record_id,
        provisional=check.provisional,
        unresolved_cases=check.unresolved_cases,
    )


class _History:
    """Each instrument's snapshots by date, for as-of lookups."""

    def __init__(self, snapshots: Iterable[SnapshotFigures]) -> None:
        by_instrument: dict[uuid.UUID, list[SnapshotFigures]] = {}
        for snapshot in snapshots:
            by_instrument.setdefault(snapshot.instrument_id, []).append(snapshot)
        self._series = {
            key: sorted(series, key=lambda s: s.report_date_local)
            for key, series in by_instrument.items()
        }
        self._dates = {
            key: [s.report_date_local for s in series]
            for key, series in self._series.items()
        }

    def on_or_before(
        self, instrument_id: uuid.UUID, day: dt.date
    ) -> SnapshotFigures | None:
        dates = self._dates.get(instrument_id, [])
        index = bisect.bisect_right(dates, day)
        return self._series[instrument_id][index - 1] if index else None

    def before(self, instrument_id: uuid.UUID, day: dt.date) -> SnapshotFigures | None:
        dates = self._dates.get(instrument_id, [])
        index = bisect.bisect_left(dates, day)
        return self._series[instrument_id][index - 1] if index else None

    def within(
        self, instrument_id: uuid.UUID, start: dt.date, end: dt.date
    ) -> list[SnapshotFigures]:
        dates = self._dates.get(instrument_id, [])
        low = bisect.bisect_left(dates, start)
        high = bisect.bisect_right(dates, end)
        return self._series.get(instrument_id, [])[low:high]


@dataclass(frozen=True, slots=True)
class _Ours:
    broker_aligned: Decimal
    economic: Decimal
    context: str


def _figure_row(
    figure: PeriodFigure, history: _History, base_currency: str, mode: Mode
) -> DiffRow:
    instrument = figure.instrument
    end = history.on_or_before(instrument.instrument_id, figure.end)
    in_period = history.within(instrument.instrument_id, figure.start, figure.end)
    provisional = any(s.provisional for s in in_period) or bool(end and end.provisional)
    broker_side = f"broker {figure.source} (base {base_currency})"
    ours = None if end is None else _ours(figure, end, history)
    if end is None or ours is None:
        verdict = judge(figure.metric, _ZERO, figure.value, base_currency)
        ours_value = None
        abs_diff = abs(verdict.broker)
        passed = False
        reason: str | None = DiffReason.NOT_IN_LEDGER.value
        context = f"no ledger snapshot on or before {figure.end}; {broker_side}"
    else:
        chosen = ours.economic if mode is Mode.ECONOMIC else ours.broker_aligned
        verdict = judge(figure.metric, chosen, figure.value, base_currency)
        ours_value = verdict.ours
        abs_diff = abs(verdict.difference)
        passed = verdict.passed
        reason = _basis_reason(figure.metric, in_period or [end])
        if not passed:
            aligned = judge(
                figure.metric, ours.broker_aligned, figure.value, base_currency
            )
            explained = mode is Mode.ECONOMIC and aligned.passed
            reason = (
                DiffReason.ECONOMIC_VIEW
                if explained
                else _reason_of(in_period or [end])
            ).value
        context = f"{ours.context}; {broker_side}"
    return DiffRow(
        report_date_local=figure.end,
        instrument_id=instrument.instrument_id,
        conid=instrument.conid,
        symbol=instrument.symbol,
        metric=figure.metric.value,
        currency=base_currency,
        broker_value=verdict.broker,
        economic_value=ours_value,
        abs_diff=abs_diff,
        rel_diff=_relative(abs_diff, verdict.broker),
        tolerance_abs=verdict.tolerance.absolute,
        tolerance_rel=verdict.tolerance.relative,
        within_tolerance=passed,
        reason_code=reason,
        formula_context=context,
        source=figure.source,
        source_event_id=None,
        source_raw_record_id=figure.raw_record_id,
        provisional=provisional,
        unresolved_cases=end.unresolved_cases if end is not None else 0,
    )


def _ours(figure: PeriodFigure, end: SnapshotFigures, history: _History) -> _Ours:
    """Our figure for `figure`, in both views, with the formula that gave it."""
    period = f"{figure.start}..{figure.end}"
    if figure.metric is Metric.UNREALIZED_PNL:
        return _Ours(
            end.unrealized_pnl,
            end.unrealized_pnl,
            f"ours = unrealized P&L of the {end.report_date_local} snapshot",
        )
    start = history.before(figure.instrument.instrument_id, figure.start)

    def delta(field: Callable[[SnapshotFigures], Decimal]) -> Decimal:
        return field(end) - (field(start) if start is not None else _ZERO)

    if figure.metric is Metric.REALIZED_PNL:
        realized = delta(lambda s: s.realized_pnl)
        dividends = delta(lambda s: s.dividends)
        withholding = delta(lambda s: s.withholding_tax)
        other = delta(lambda s: s.other_fees)
        return _Ours(
            realized,
            realized + dividends + withholding + other,
            f"ours = realized P&L over {period} ({_fmt(realized)}); economic adds "
            f"dividends {_fmt(dividends)}, withholding {_fmt(withholding)} and "
            f"other fees {_fmt(other)}",
        )
    if figure.metric is Metric.FEES:
        other = delta(lambda s: s.other_fees)
        commissions = delta(lambda s: s.fees) - other
        return _Ours(
            commissions,
            commissions + other,
            f"ours = commissions over {period} ({_fmt(commissions)}); economic adds "
            f"other fees {_fmt(other)}",
        )
    withholding = delta(lambda s: s.withholding_tax)
    return _Ours(withholding, withholding, f"ours = withholding over {period} in base")


def _reason_of(snapshots: Sequence[SnapshotFigures]) -> DiffReason:
    codes = {code for s in snapshots for code in s.diagnostic_codes}
    if any(s.unresolved_cases for s in snapshots):
        return DiffReason.CORPORATE_ACTION_ADJUSTMENT
    for prefix, reason in _REASON_BY_CODE:
        if any(code.startswith(prefix) for code in codes):
            return reason
    return DiffReason.UNEXPLAINED


def _basis_reason(metric: Metric, snapshots: Sequence[SnapshotFigures]) -> str | None:
    """`missing_opening_lot` when P&L agrees only through IBKR's own basis.

    A lot seeded from an OpenPositions cost basis makes our P&L IBKR's by
    construction: the agreement proves nothing about history we lack.
    """
    seeded = any("OPENING_LOT_FROM_BROKER" in s.diagnostic_codes for s in snapshots)
    if seeded and metric in (Metric.REALIZED_PNL, Metric.UNREALIZED_PNL):
        return DiffReason.MISSING_OPENING_LOT.value
    return None


def _relative(abs_diff: Decimal, broker: Decimal) -> Decimal | None:
    if broker == 0:
        return None
    return (abs_diff / abs(broker)).quantize(Decimal("1e-8"))


def _fmt(value: Decimal) -> str:
    return format(value.normalize() if value else _ZERO, "f")
