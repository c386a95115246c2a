"""`flexledger provenance`: the events behind a figure, with their raw Flex rows."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from decimal import Decimal
from typing import Annotated, Any

import typer

from flexledger.cli.output import current_database, reported_errors
from flexledger.cli.report_options import parse_date, parse_uuid
from flexledger.config import Capability
from flexledger.db.repositories.provenance import ProvenanceEvent, RawSource
from flexledger.domain.events import EventKind
from flexledger.jobs.provenance import ProvenanceRequest, trace_provenance


class OutputFormat(enum.StrEnum):
    """How the drilldown is printed."""

    TABLE = "table"
    JSON = "json"


def _event(value: str) -> tuple[EventKind, uuid.UUID]:
    kind, _, event_id = value.partition(":")
    kinds = ", ".join(k.value for k in EventKind)
    try:
        return EventKind(kind), uuid.UUID(event_id)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not KIND:ID (KIND one of {kinds}, ID a UUID)"
        ) from None


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _as_json(event: ProvenanceEvent) -> dict[str, Any]:
    return {
        "event_kind": event.kind.value,
        "event_id": str(event.event_id),
        "instrument_id": str(event.instrument_id) if event.instrument_id else None,
        "report_date_local": event.report_date_local.isoformat(),
        "action": event.action,
        "quantity": _text(event.quantity),
        "price": _text(event.price),
        "amount": _text(event.amount),
        "currency": event.currency,
        "raw_records": [_raw_json(raw) for raw in event.raw_records],
    }


def _raw_json(raw: RawSource) -> dict[str, Any]:
    return {
        "raw_record_id": str(raw.raw_record_id),
        "section_name": raw.section_name,
        "source_row_ref": raw.source_row_ref,
        "report_date_local": (
            raw.report_date_local.isoformat() if raw.report_date_local else None
        ),
        "attributes": raw.attributes,
        "raw_artifact_id": str(raw.raw_artifact_id),
        "payload_sha256": raw.payload_sha256,
        "artifact_created_at_utc": raw.artifact_created_at.isoformat(),
        "ingestion_run_id": str(raw.ingestion_run_id),
        "run_type": raw.run_type,
        "run_started_at_utc": raw.run_started_at.isoformat(),
    }


def _show(event: ProvenanceEvent) -> None:
    typer.echo(
        f"{event.report_date_local}  {event.kind.value:<11}  {event.action:<10}  "
        f"qty {_text(event.quantity) or '-'}  price {_text(event.price) or '-'}  "
        f"amount {_text(event.amount) or '-'} {event.currency or ''}  "
        f"{event.event_id}".rstrip()
    )
    for raw in event.raw_records:
        _show_raw(raw)


def _show_raw(raw: RawSource) -> None:
    typer.echo(
        f"    {raw.section_name}  {raw.source_row_ref}  "
        f"artifact {raw.raw_artifact_id} sha256 {raw.payload_sha256[:12]}…  "
        f"run {raw.ingestion_run_id} ({raw.run_type}, "
        f"{raw.run_started_at:%Y-%m-%d %H:%M:%S}Z)"
    )


def register(app: typer.Typer) -> None:
    """Add `provenance` to `app`."""

    @app.command("provenance")
    def provenance(
        event: Annotated[
            str | None,
            typer.Option(
                metavar="KIND:ID",
                help="One event, e.g. trade_fill:<uuid>.",
            ),
        ] = None,
        instrument: Annotated[
            uuid.UUID | None,
            typer.Option(
                parser=parse_uuid, metavar="ID", help="Every event of the instrument."
            ),
        ] = None,
        date_from: Annotated[
            dt.date | None,
            typer.Option(
                "--from",
                parser=parse_date,
                metavar="DATE",
                help="With --instrument: first business date.",
            ),
        ] = None,
        date_to: Annotated[
            dt.date | None,
            typer.Option(
                "--to",
                parser=parse_date,
                metavar="DATE",
                help="With --instrument: last business date.",
            ),
        ] = None,
        snapshot: Annotated[
            uuid.UUID | None,
            typer.Option(
                parser=parse_uuid,
                metavar="ID",
                help="A daily snapshot: its instrument's events to its date.",
            ),
        ] = None,
        check: Annotated[
            uuid.UUID | None,
            typer.Option(
                parser=parse_uuid,
                metavar="ID",
                help="A ledger check: its fill, or the instrument's events.",
            ),
        ] = None,
        output: Annotated[
            OutputFormat, typer.Option("--format", help="table or json.")
        ] = OutputFormat.TABLE,
    ) -> None:
        """Show the events behind a figure, each with its raw Flex rows."""
        forms = sum(x is not None for x in (event, instrument, snapshot, check))
        if forms != 1:
            raise typer.BadParameter(
                "give exactly one of --event, --instrument, --snapshot, --check"
            )
        if (date_from or date_to) and instrument is None:
            raise typer.BadParameter("--from and --to go with --instrument only")
        wanted = ProvenanceRequest(
            event=_event(event) if event is not None else None,
            instrument_id=instrument,
            date_from=date_from,
            date_to=date_to,
            snapshot_id=snapshot,
            check_id=check,
        )
        with reported_errors(), current_database(Capability.REPORTS) as database:
            page = trace_provenance(database, wanted)
        if output is OutputFormat.JSON:
            body = {
                "total": page.total,
                "items": [_as_json(e) for e in page.events],
                "position_rows": [_raw_json(raw) for raw in page.position_rows],
            }
            typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
            return
        raw_count = sum(len(e.raw_records) for e in page.events)
        typer.echo(f"{page.total} event(s), {raw_count} raw row(s):")
        for item in page.events:
            _show(item)
        if page.position_rows:
            typer.echo("OpenPositions rows the position, basis and marks rest on:")
            for raw in page.position_rows:
                _show_raw(raw)
