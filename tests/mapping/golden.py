"""Map a statement file without a database, as deterministic JSON (golden files).

Rows get ids derived from their place in the file, so the output depends on the
statement only: a golden file changes when the mapping does, and only then.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from flexledger.adapter.statement_reader import StatementReader
from flexledger.domain.canonical import CorpActionLeg, Event, SourceRow
from flexledger.domain.flex_dates import parse_flex_date
from flexledger.mapping.corporate_actions import assign_cases, settle_actions
from flexledger.mapping.instruments import resolve_instrument, sightings_of
from flexledger.mapping.pipeline import MappingResult, map_rows
from flexledger.mapping.registry import MapperRegistry, MappingContext
from flexledger.mapping.resolve import resolve_events

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "mapping"
STORED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_IDS = uuid.UUID("00000000-0000-5000-8000-000000000000")
DEFAULT_TIMEZONE = "America/New_York"


def source_rows(path: Path) -> list[SourceRow]:
    """The file's rows as stored rows, with ids derived from their references."""
    with path.open("rb") as stream:
        reader = StatementReader(stream)
        records = list(reader.records())
        info = reader.info
    rows = []
    for record in records:
        statement = info.statements[record.statement_index]
        account = statement.account_id or "unknown"
        raw_id = uuid.uuid5(_IDS, f"{record.statement_index}:{record.source_row_ref}")
        rows.append(
            SourceRow(
                raw_record_id=raw_id,
                ingestion_run_id=_IDS,
                artifact_created_at_utc=STORED_AT,
                account_id=account,
                section_name=record.section_name,
                row_tag=record.row_tag,
                source_row_ref=record.source_row_ref,
                report_date_local=parse_flex_date(statement.to_date),
                attrs=dict(record.attrs),
            )
        )
    return rows


def base_currency(rows: list[SourceRow]) -> str:
    """AccountInformation's currency, else USD (SPEC §0 P3)."""
    for row in rows:
        if row.section_name == "AccountInformation" and row.attrs.get("currency"):
            return row.attrs["currency"]
    return "USD"


def map_file(
    path: Path, registry: MapperRegistry
) -> tuple[MappingResult, dict[str, Any]]:
    """The mapping result and its golden JSON document."""
    rows = source_rows(path)
    context = MappingContext(base_currency(rows), DEFAULT_TIMEZONE)
    result = map_rows(rows, registry, context)
    resolved, conflicts = resolve_events(result.events)
    legs = [r.event for r in resolved if isinstance(r.event, CorpActionLeg)]
    settled_legs, links = settle_actions(legs)
    by_id = {leg.event_id: leg for leg in assign_cases(settled_legs)}
    events_out = []
    for item in resolved:
        event: Event = by_id.get(item.event.event_id, item.event)
        body = {name: plain(value) for name, value in event.column_values().items()}
        body["kind"] = event.kind.value
        body["source_row_ref"] = event.source.source_row_ref
        body["source_rows"] = len(item.source_raw_record_ids)
        events_out.append(body)
    instruments: dict[tuple[str, str], list[Any]] = {}
    for facts in result.instruments:
        instruments.setdefault((facts.account_id, facts.conid), []).extend(
            sightings_of(facts)
        )
    instruments_out = []
    for (account, conid), sightings in sorted(instruments.items()):
        state = resolve_instrument(
            account, conid, sightings, default_currency="UNKNOWN"
        )
        instruments_out.append(
            {
                "account_id": account,
                "conid": conid,
                "symbol": state.symbol,
                "isin": state.isin,
                "cusip": state.cusip,
                "figi": state.figi,
                "asset_category": state.asset_category,
                "currency": state.currency,
                "description": state.description,
                "aliases": [
                    [
                        s.kind,
                        s.value,
                        plain(s.first_seen_local),
                        plain(s.last_seen_local),
                    ]
                    for s in state.aliases
                ],
            }
        )
    document = {
        "fixture": path.name,
        "rows_read": result.rows_read,
        "outcomes": dict(sorted(result.outcomes.items())),
        "events": events_out,
        "instruments": instruments_out,
        "instrument_links": [
            {
                "from_conid": link.from_conid,
                "to_conid": link.to_conid,
                "action_id": link.action_id,
                "reorg_code": link.reorg_code,
            }
            for link in links
        ],
        "diagnostics": [d.as_json() for d in [*result.diagnostics, *conflicts]],
    }
    return result, document


def plain(value: Any) -> Any:
    """A value as golden JSON holds it: instants in UTC ISO form, decimals as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def dumps(document: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def golden_path(fixture: Path) -> Path:
    """Where a fixture's golden file lives."""
    return GOLDEN_DIR / (fixture.stem + ".json")


def iter_goldens() -> Iterator[Path]:
    """Every golden file on disk."""
    return iter(sorted(GOLDEN_DIR.glob("*.json")))
