"""`flexledger cases`: list corporate-action cases, resolve or dismiss one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from flexledger.cli.output import current_database, reported_errors
from flexledger.config import Capability
from flexledger.db.repositories.cases import CaseFilter
from flexledger.domain.cases import CaseStatus, CorpActionCase
from flexledger.jobs.cases import CaseChange, dismiss_case, list_cases, resolve_case

_NoteOption = Annotated[
    str, typer.Option("--note", help="What was decided and why (required).")
]
_OwnerOption = Annotated[
    str | None, typer.Option("--owner", help="Who takes responsibility for it.")
]


def _case_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a case id (a UUID)") from None


def _decimal(name: str) -> Callable[[str], Decimal]:
    def parse(value: str) -> Decimal:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise typer.BadParameter(
                f"{value!r} is not a decimal number", param_hint=name
            ) from None
        if not number.is_finite():
            raise typer.BadParameter(f"{value!r} is not finite", param_hint=name)
        return number

    return parse


def _instrument(case: CorpActionCase) -> str:
    if case.instrument_id is None:
        return "no instrument"
    if case.symbol is None:
        return str(case.instrument_id)
    return f"{case.symbol} (conid {case.conid})"


def _describe(case: CorpActionCase) -> str:
    return (
        f"{case.case_id}  {case.status.value:<9}  {case.action_type:<3}  "
        f"action {case.action_id or '-'}  {_instrument(case)}  "
        f"opened {case.created_at:%Y-%m-%d}"
    )


def _report(verb: str, change: CaseChange) -> None:
    case = change.case
    owner = f" by {case.owner}" if case.owner else ""
    typer.echo(f"case {case.case_id} {verb}{owner}: {case.resolution_note}")
    adjustments = [
        f"{name} {value:f}"
        for name, value in (
            ("quantity", case.quantity_adjustment),
            ("cost", case.cost_adjustment),
        )
        if value is not None
    ]
    if adjustments:
        typer.echo(f"  recorded adjustments: {', '.join(adjustments)}")
    if not change.unresolved_cases:
        typer.echo("  no instrument to recompute")
    for instrument_id, count in sorted(
        change.unresolved_cases.items(), key=lambda item: str(item[0])
    ):
        left = "no open cases left" if count == 0 else f"{count} open case(s) left"
        typer.echo(f"  instrument {instrument_id}: recomputed, {left}")


def cases_commands() -> typer.Typer:
    """The `cases` command group."""
    cases = typer.Typer(
        help="Corporate-action cases that need a person: list, resolve, dismiss.",
        no_args_is_help=True,
    )

    @cases.command("list")
    def list_command(
        status: Annotated[
            CaseStatus | None,
            typer.Option(help="Only cases with this status [default: all]."),
        ] = None,
    ) -> None:
        """List cases, newest first."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            page = list_cases(database, CaseFilter(status=status))
        if not page.cases:
            typer.echo("No cases." if status is None else f"No {status.value} cases.")
            return
        scope = "" if status is None else f" {status.value}"
        typer.echo(f"{page.total}{scope} case(s):")
        for case in page.cases:
            typer.echo(f"  {_describe(case)}")

    @cases.command("resolve")
    def resolve_command(
        case_id: Annotated[
            uuid.UUID, typer.Argument(parser=_case_id, metavar="CASE_ID")
        ],
        note: _NoteOption,
        owner: _OwnerOption = None,
        quantity_adjustment: Annotated[
            Decimal | None,
            typer.Option(
                parser=_decimal("--quantity-adjustment"),
                help="Quantity change to record (recorded, not yet applied).",
            ),
        ] = None,
        cost_adjustment: Annotated[
            Decimal | None,
            typer.Option(
                parser=_decimal("--cost-adjustment"),
                help="Cost-basis change to record (recorded, not yet applied).",
            ),
        ] = None,
    ) -> None:
        """Resolve an open case; its instruments are recomputed."""
        with reported_errors(), current_database(Capability.REPROCESS) as database:
            change = resolve_case(
                database,
                case_id,
                note=note,
                owner=owner,
                quantity=quantity_adjustment,
                cost=cost_adjustment,
            )
        _report("resolved", change)

    @cases.command("dismiss")
    def dismiss_command(
        case_id: Annotated[
            uuid.UUID, typer.Argument(parser=_case_id, metavar="CASE_ID")
        ],
        note: _NoteOption,
        owner: _OwnerOption = None,
    ) -> None:
        """Dismiss an open case (nothing to adjust); its instruments are recomputed."""
        with reported_errors(), current_database(Capability.REPROCESS) as database:
            change = dismiss_case(database, case_id, note=note, owner=owner)
        _report("dismissed", change)

    return cases
