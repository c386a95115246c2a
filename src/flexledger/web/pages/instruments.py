"""Instruments: the searchable list, one instrument in full, its labels and notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from flexledger.db.repositories.instruments import InstrumentFilter
from flexledger.db.repositories.reports import PnlReportFilter
from flexledger.domain.labels import NoteTarget
from flexledger.jobs.instrument_history import instrument_history
from flexledger.jobs.instruments import get_instrument, list_instruments
from flexledger.jobs.labels import assign_label, list_labels, unassign_label
from flexledger.jobs.memberships import labels_by_instrument
from flexledger.jobs.notes import add_note, delete_note, edit_note, get_note
from flexledger.jobs.portfolio import market_value
from flexledger.jobs.reports import instrument_report
from flexledger.web.deps import ContextDep
from flexledger.web.pages.charts import Series, line_chart
from flexledger.web.pages.forms import (
    PAGE_SIZE,
    path_id,
    query_choice,
    query_id,
    query_offset,
)
from flexledger.web.pages.rendering import PageRoute, redirect, render

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)

_SORTS = ("symbol", "conid", "updated_at_utc")


@router.get("/instruments", response_class=HTMLResponse)
def instruments(request: Request, context: ContextDep) -> HTMLResponse:
    """Instruments with labels and figures; search, sort, filter by label or open."""
    params = request.query_params
    search = (params.get("search") or "").strip() or None
    sort_by = query_choice(params, "sort", _SORTS, "symbol")
    sort_dir = query_choice(params, "dir", ("asc", "desc"), "asc")
    label_id = query_id(params, "label")
    active_only = params.get("active") == "1"
    offset = query_offset(params)
    page = list_instruments(
        context.database,
        InstrumentFilter(label_id=label_id, search=search, active_only=active_only),
        sort_by=sort_by,
        sort_dir=sort_dir,
        limit=PAGE_SIZE,
        offset=offset,
    )
    figures = {
        row.instrument_id: row for row in instrument_report(context.database).rows
    }
    kept = {
        key: value
        for key, value in {
            "search": search or "",
            "sort": sort_by,
            "dir": sort_dir,
            "label": str(label_id) if label_id else "",
            "active": "1" if active_only else "",
        }.items()
        if value
    }
    return render(
        request,
        "pages/instruments.html",
        instruments=page.instruments,
        total=page.total,
        offset=offset,
        page_size=PAGE_SIZE,
        figures=figures,
        values={key: market_value(row) for key, row in figures.items()},
        labels=labels_by_instrument(context.database),
        all_labels=list_labels(context.database).labels,
        search=search or "",
        sort_by=sort_by,
        sort_dir=sort_dir,
        label_id=label_id,
        active_only=active_only,
        kept=kept,
    )


@router.get("/instruments/{instrument_id}", response_class=HTMLResponse)
def instrument(
    instrument_id: str, request: Request, context: ContextDep
) -> HTMLResponse:
    """One instrument: position, lots, closures beside IBKR, events, chart, notes."""
    wanted = path_id(instrument_id, "instrument")
    detail = get_instrument(context.database, wanted)
    history = instrument_history(context.database, wanted)
    report = instrument_report(
        context.database, PnlReportFilter(instrument_id=wanted)
    ).rows
    assigned = {label.label_id for label in detail.labels}
    currency = detail.instrument.currency
    position_chart = line_chart(
        "Position over time",
        [
            Series(
                "Position (quantity)",
                "s-qty",
                [(p.report_date_local, p.position_qty) for p in history.series],
                step=True,
            )
        ],
    )
    prices = [
        (p.report_date_local, p.mark_price)
        for p in history.series
        if p.mark_price is not None
    ]
    price_chart = line_chart(
        "Mark price over time",
        [Series(f"Mark price ({currency})", "s-price", prices)],
        unit=currency,
    )
    return render(
        request,
        "pages/instrument.html",
        detail=detail,
        history=history,
        figures=report[0] if report else None,
        position_chart=position_chart,
        price_chart=price_chart,
        free_labels=[
            label
            for label in list_labels(context.database).labels
            if label.label_id not in assigned
        ],
        editing=request.query_params.get("edit"),
    )


@router.post("/instruments/{instrument_id}/labels")
def assign(
    instrument_id: str,
    context: ContextDep,
    label_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Put a label on the instrument."""
    wanted = path_id(instrument_id, "instrument")
    back = f"/ui/instruments/{wanted}"
    if not label_id:
        return redirect(back, problem="Pick a label to assign.")
    assign_label(context.database, wanted, path_id(label_id, "label"))
    return redirect(back, notice="Label assigned.")


@router.post("/instruments/{instrument_id}/labels/{label_id}/remove")
def unassign(
    instrument_id: str, label_id: str, context: ContextDep
) -> RedirectResponse:
    """Take a label off the instrument."""
    wanted = path_id(instrument_id, "instrument")
    unassign_label(context.database, wanted, path_id(label_id, "label"))
    return redirect(f"/ui/instruments/{wanted}", notice="Label removed.")


@router.post("/instruments/{instrument_id}/notes")
def write_note(
    instrument_id: str,
    context: ContextDep,
    content: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Add a note to the instrument."""
    wanted = path_id(instrument_id, "instrument")
    add_note(context.database, NoteTarget(instrument_id=wanted), content)
    return redirect(f"/ui/instruments/{wanted}#notes", notice="Note added.")


@router.post("/notes/{note_id}/edit")
def change_note(
    note_id: str,
    context: ContextDep,
    content: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Replace a note's text."""
    note = edit_note(context.database, path_id(note_id, "note"), content)
    return redirect(_note_home(note.instrument_id), notice="Note saved.")


@router.post("/notes/{note_id}/delete")
def remove_note(note_id: str, context: ContextDep) -> RedirectResponse:
    """Delete a note."""
    wanted = path_id(note_id, "note")
    note = get_note(context.database, wanted)
    delete_note(context.database, wanted)
    return redirect(_note_home(note.instrument_id), notice="Note deleted.")


def _note_home(instrument_id: object) -> str:
    return f"/ui/instruments/{instrument_id}#notes" if instrument_id else "/ui/"
