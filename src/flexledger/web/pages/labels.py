"""Labels: manage them, P&L by label, and one label's instruments (the drilldown)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from flexledger.db.repositories.reports import PnlReportFilter
from flexledger.jobs.labels import (
    create_label,
    delete_label,
    get_label,
    list_labels,
    update_label,
)
from flexledger.jobs.portfolio import totals
from flexledger.jobs.reports import instrument_report, label_report
from flexledger.web.deps import ContextDep
from flexledger.web.pages.forms import date_range, path_id
from flexledger.web.pages.rendering import PageRoute, redirect, render

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)


@router.get("/labels", response_class=HTMLResponse)
def labels(request: Request, context: ContextDep) -> HTMLResponse:
    """Every label with its P&L over the range; create, rename, delete."""
    date_from, date_to = date_range(request.query_params)
    report = label_report(
        context.database,
        PnlReportFilter(report_date_from=date_from, report_date_to=date_to),
    ).rows
    return render(
        request,
        "pages/labels.html",
        labels=list_labels(context.database).labels,
        report=report,
        date_from=date_from,
        date_to=date_to,
        renaming=request.query_params.get("rename"),
    )


@router.get("/labels/{label_id}", response_class=HTMLResponse)
def label(label_id: str, request: Request, context: ContextDep) -> HTMLResponse:
    """One label: its instruments' P&L, each a link to its events and raw rows."""
    wanted = path_id(label_id, "label")
    date_from, date_to = date_range(request.query_params)
    found = get_label(context.database, wanted)
    rows = instrument_report(
        context.database,
        PnlReportFilter(
            report_date_from=date_from, report_date_to=date_to, label_id=wanted
        ),
    ).rows
    return render(
        request,
        "pages/label.html",
        label=found,
        rows=rows,
        totals=totals(rows),
        date_from=date_from,
        date_to=date_to,
    )


@router.post("/labels")
def create(
    context: ContextDep,
    name: Annotated[str, Form()] = "",
    color: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A new label."""
    made = create_label(context.database, name, color=color.strip() or None)
    return redirect("/ui/labels", notice=f"Label {made.name!r} created.")


@router.post("/labels/{label_id}/rename")
def rename(
    label_id: str,
    context: ContextDep,
    name: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Give a label a new name."""
    changed = update_label(context.database, path_id(label_id, "label"), name=name)
    return redirect("/ui/labels", notice=f"Label renamed to {changed.name!r}.")


@router.post("/labels/{label_id}/delete")
def delete(label_id: str, context: ContextDep) -> RedirectResponse:
    """Delete a label with its assignments (its instruments stay)."""
    removal = delete_label(context.database, path_id(label_id, "label"))
    return redirect(
        "/ui/labels",
        notice=(
            f"Label deleted; it was on {removal.instrument_assignments} "
            f"instrument(s), {removal.notes} note(s) went with it."
        ),
    )
