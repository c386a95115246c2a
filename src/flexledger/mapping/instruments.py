"""Instrument facts from any row that names a conid, and their resolution.

conid is the instrument's identity; symbol, ISIN, CUSIP, FIGI, listing exchange and
description are aliases. Each alias value is kept with the first and last business
date it was seen, and the current value of each kind is the one seen last (ties:
the greater value), so the result does not depend on the order files were imported
and a value is never erased by a row that lacks it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flexledger.domain.canonical import InstrumentFacts, Provenance, SourceRow
from flexledger.mapping.values import clean_text, parse_date

ALIAS_KINDS = (
    "symbol",
    "isin",
    "cusip",
    "figi",
    "listing_exchange",
    "asset_category",
    "currency",
    "description",
)
_UNKNOWN_CATEGORY = "UNKNOWN"


def facts_from_row(
    row: SourceRow,
    *,
    with_symbol: bool = True,
    with_description: bool = True,
    report_date: dt.date | None = None,
    source: Provenance | None = None,
) -> InstrumentFacts | None:
    """What the row says about its instrument; None without a conid.

    Args:
        row: any row with instrument attributes.
        with_symbol: False for rows whose symbol is a temporary line (corporate
            actions write `XYZ.OLD`, `XYZ.TEN`), which must not become the alias;
            their description is the action's text, so it is dropped too.
        with_description: False for rows whose description tells about the row,
            not the security (cash transactions).
        report_date: the row's `reportDate` when the mapper has read it already,
            so it is not parsed twice; otherwise read here.
        source: the row's provenance when the mapper has made it already, shared
            with the row's event instead of made again; otherwise made here.
    """
    attrs = row.attrs
    conid = clean_text(attrs.get("conid"))
    if conid is None:
        return None
    seen_on = _seen_on(row) if report_date is None else report_date
    isin = clean_text(attrs.get("isin"))
    if isin is None and clean_text(attrs.get("securityIDType")) == "ISIN":
        isin = clean_text(attrs.get("securityID"))
    return InstrumentFacts(
        account_id=row.account_id,
        conid=conid,
        symbol=clean_text(attrs.get("symbol")) if with_symbol else None,
        isin=isin,
        cusip=clean_text(attrs.get("cusip")),
        figi=clean_text(attrs.get("figi")),
        listing_exchange=clean_text(attrs.get("listingExchange")),
        asset_category=clean_text(attrs.get("assetCategory")),
        currency=clean_text(attrs.get("currency")),
        description=(
            clean_text(attrs.get("description"))
            if with_symbol and with_description
            else None
        ),
        seen_on=seen_on,
        source=Provenance.of(row) if source is None else source,
    )


def _seen_on(row: SourceRow) -> dt.date | None:
    """The row's `reportDate`, else its statement's date."""
    try:
        return parse_date(row.attrs.get("reportDate")) or row.report_date_local
    except ValueError:
        return row.report_date_local


@dataclass(frozen=True, slots=True)
class AliasSighting:
    """One alias value of an instrument and when it was seen."""

    kind: str
    value: str
    first_seen_local: dt.date | None
    last_seen_local: dt.date | None


@dataclass(frozen=True, slots=True)
class InstrumentState:
    """An instrument as stored: current values plus every alias ever seen."""

    account_id: str
    conid: str
    symbol: str
    isin: str | None
    cusip: str | None
    figi: str | None
    asset_category: str
    currency: str
    description: str | None
    aliases: tuple[AliasSighting, ...]


def _date_key(value: dt.date | None) -> dt.date:
    return value or dt.date.min


def merge_sightings(
    sightings: Iterable[AliasSighting],
) -> dict[tuple[str, str], AliasSighting]:
    """One sighting per (kind, value), spanning every date it was seen."""
    merged: dict[tuple[str, str], AliasSighting] = {}
    for sighting in sightings:
        key = (sighting.kind, sighting.value)
        known = merged.get(key)
        if known is None:
            merged[key] = sighting
            continue
        first = _earlier(known.first_seen_local, sighting.first_seen_local)
        last = _later(known.last_seen_local, sighting.last_seen_local)
        if first != known.first_seen_local or last != known.last_seen_local:
            merged[key] = AliasSighting(sighting.kind, sighting.value, first, last)
    return merged


def _earlier(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    """The earlier known date (None means unknown, not earliest)."""
    if a is None or (b is not None and b < a):
        return b
    return a


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    if a is None or (b is not None and b > a):
        return b
    return a


def sightings_by_instrument(
    facts: Iterable[InstrumentFacts],
) -> dict[tuple[str, str], list[AliasSighting]]:
    """Each instrument's alias sightings, one per (kind, value) seen, with its span.

    The same as `merge_sightings` over every row's `sightings_of`, without building
    a sighting per row: 100k rows show each instrument's few alias sets over and
    over, on different days.
    """
    spans: dict[tuple[str, str], dict[tuple[str | None, ...], list[dt.date | None]]]
    spans = {}
    for fact in facts:
        shown = tuple(getattr(fact, kind) for kind in ALIAS_KINDS)
        known = spans.setdefault((fact.account_id, fact.conid), {})
        span = known.get(shown)
        if span is None:
            known[shown] = [fact.seen_on, fact.seen_on]
        else:
            span[0] = _earlier(span[0], fact.seen_on)
            span[1] = _later(span[1], fact.seen_on)
    return {
        key: list(
            merge_sightings(
                AliasSighting(kind, value, first, last)
                for shown, (first, last) in known.items()
                for kind, value in zip(ALIAS_KINDS, shown, strict=True)
                if value is not None
            ).values()
        )
        for key, known in spans.items()
    }


def sightings_of(facts: InstrumentFacts) -> list[AliasSighting]:
    """The alias values one row shows."""
    return [
        AliasSighting(kind, value, facts.seen_on, facts.seen_on)
        for kind in ALIAS_KINDS
        if (value := getattr(facts, kind)) is not None
    ]


def resolve_instrument(
    account_id: str,
    conid: str,
    sightings: Iterable[AliasSighting],
    *,
    default_currency: str,
) -> InstrumentState:
    """The instrument's current values from every sighting of its aliases."""
    merged = merge_sightings(sightings)
    current: dict[str, str] = {}
    for (kind, value), sighting in merged.items():
        best = current.get(kind)
        if best is None:
            current[kind] = value
            continue
        rival = merged[(kind, best)]
        if (_date_key(sighting.last_seen_local), value) > (
            _date_key(rival.last_seen_local),
            best,
        ):
            current[kind] = value
    aliases = tuple(sorted(merged.values(), key=lambda s: (s.kind, s.value)))
    return InstrumentState(
        account_id=account_id,
        conid=conid,
        symbol=current.get("symbol", conid),
        isin=current.get("isin"),
        cusip=current.get("cusip"),
        figi=current.get("figi"),
        asset_category=current.get("asset_category", _UNKNOWN_CATEGORY),
        currency=current.get("currency", default_currency),
        description=current.get("description"),
        aliases=aliases,
    )
