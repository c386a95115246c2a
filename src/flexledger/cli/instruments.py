"""`flexledger instruments`: list instruments, show one in full."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

import typer

from flexledger.cli.output import current_database, reported_errors
from flexledger.config import Capability
from flexledger.db.repositories.instruments import (
    InstrumentDetail,
    InstrumentFilter,
    InstrumentSummary,
)
from flexledger.jobs.instruments import get_instrument, list_instruments


def _instrument_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an instrument id (a UUID)"
        ) from None


def _text(value: Decimal | None) -> str:
    return "-" if value is None else format(value, "f")


def _describe(item: InstrumentSummary) -> str:
    held = "open" if item.has_open_position else "-"
    return (
        f"{item.instrument_id}  {item.symbol:<10}  conid {item.conid:<10}  "
        f"{item.isin or '-':<12}  {item.currency}  {held:<4}  "
        f"{item.description or ''}".rstrip()
    )


def _show(detail: InstrumentDetail) -> None:
    item = detail.instrument
    typer.echo(f"{item.symbol} (conid {item.conid})  {item.instrument_id}")
    typer.echo(f"  description: {item.description or '-'}")
    typer.echo(f"  isin: {item.isin or '-'}  currency: {item.currency}")
    labels = ", ".join(label.name for label in detail.labels)
    typer.echo(f"  labels: {labels or '-'}")
    position = detail.position
    typer.echo(
        f"  position: {_text(position.quantity)}  cost basis "
        f"{_text(position.cost_basis)} {position.currency}  "
        f"(base {_text(position.cost_basis_base)})  "
        f"{position.open_lot_count} open lot(s)"
    )
    for lot in detail.open_lots:
        opened = lot.opened_at.isoformat() if lot.opened_at else "unknown"
        typer.echo(
            f"    lot {lot.position_lot_id}  {lot.direction.value}  "
            f"{_text(lot.remaining_quantity)} of {_text(lot.open_quantity)}  "
            f"cost {_text(lot.remaining_cost)}  {lot.basis_source}  opened {opened}"
        )
    snapshot = detail.latest_snapshot
    if snapshot is None:
        typer.echo("  latest snapshot: none")
    else:
        flags = " provisional" if snapshot.provisional else ""
        codes = ",".join(snapshot.diagnostic_codes) or "-"
        typer.echo(
            f"  latest snapshot {snapshot.report_date_local}: position "
            f"{_text(snapshot.position_qty)}  realized {_text(snapshot.realized_pnl)}  "
            f"unrealized {_text(snapshot.unrealized_pnl)}  "
            f"total {_text(snapshot.total_pnl)} {snapshot.currency}{flags}  "
            f"unresolved cases {snapshot.unresolved_cases}  codes {codes}"
        )
    typer.echo(f"  aliases: {len(detail.aliases)}")
    for alias in detail.aliases:
        typer.echo(
            f"    {alias.alias_kind}: {alias.value}  "
            f"{alias.first_seen_local or '-'} … {alias.last_seen_local or '-'}"
        )
    typer.echo(f"  recent events: {len(detail.recent_events)}")
    for event in detail.recent_events:
        typer.echo(
            f"    {event.report_date_local}  {event.kind.value:<11}  "
            f"{event.action:<8}  qty {_text(event.quantity)}  "
            f"amount {_text(event.amount)}  {event.event_id}"
        )
    typer.echo(f"  notes: {len(detail.notes)}")
    for note in detail.notes:
        typer.echo(f"    {note.created_at:%Y-%m-%d}  {note.content}")


def instruments_commands() -> typer.Typer:
    """The `instruments` command group."""
    instruments = typer.Typer(
        help="Instruments: list them, show one with lots, P&L and events.",
        no_args_is_help=True,
    )

    @instruments.command("list")
    def list_command(
        search: Annotated[
            str | None,
            typer.Option(
                help="Only those whose symbol, description, ISIN or conid "
                "contains this text (any case)."
            ),
        ] = None,
        active_only: Annotated[
            bool,
            typer.Option("--active-only", help="Only those with an open position."),
        ] = False,
    ) -> None:
        """List instruments by symbol."""
        filters = InstrumentFilter(
            search=(search or "").strip() or None, active_only=active_only
        )
        with reported_errors(), current_database(Capability.REPORTS) as database:
            page = list_instruments(database, filters)
        if not page.instruments:
            typer.echo("No instruments.")
            return
        typer.echo(f"{page.total} instrument(s):")
        for item in page.instruments:
            typer.echo(f"  {_describe(item)}")

    @instruments.command("show")
    def show_command(
        instrument_id: Annotated[
            uuid.UUID, typer.Argument(parser=_instrument_id, metavar="ID")
        ],
    ) -> None:
        """Show one instrument: aliases, labels, position, lots, P&L, events, notes."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            detail = get_instrument(database, instrument_id)
        _show(detail)

    return instruments
