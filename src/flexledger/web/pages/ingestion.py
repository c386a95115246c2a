"""Ingestion pages: runs, one run, reprocess results; upload, fetch, reprocess."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from flexledger.config import Capability
from flexledger.db.repositories.runs import RunFilter
from flexledger.domain.errors import RunAlreadyActiveError
from flexledger.domain.runs import RunStatus
from flexledger.jobs.background import start_fetch
from flexledger.jobs.drift import schema_drift
from flexledger.jobs.ingest import IngestOptions, ingest_payload, read_payload_stream
from flexledger.jobs.reprocess import reprocess, reprocess_scope
from flexledger.jobs.runs import get_run, list_runs
from flexledger.web.deps import ContextDep
from flexledger.web.pages.forms import PAGE_SIZE, path_id, query_choice, query_offset
from flexledger.web.pages.rendering import PageRoute, redirect, render
from flexledger.web.pages.run_view import view_of

router = APIRouter(
    prefix="/ui/ingestion", route_class=PageRoute, include_in_schema=False
)

UPLOAD_PATH = "/ui/ingestion/upload"
_STATUSES = ("all", *(s.value for s in RunStatus))


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request, context: ContextDep) -> HTMLResponse:
    """Every run, newest first, with the upload, fetch and reprocess actions."""
    params = request.query_params
    status = query_choice(params, "status", _STATUSES, "all")
    offset = query_offset(params)
    page = list_runs(
        context.database,
        RunFilter(status=None if status == "all" else RunStatus(status)),
        limit=PAGE_SIZE,
        offset=offset,
    )
    return render(
        request,
        "pages/runs.html",
        runs=page.runs,
        total=page.total,
        offset=offset,
        page_size=PAGE_SIZE,
        status=status,
        statuses=_STATUSES,
        can_fetch=not context.settings.missing_for(Capability.FETCH),
        kept={"status": status} if status != "all" else {},
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run(run_id: str, request: Request, context: ContextDep) -> HTMLResponse:
    """One run: stage timeline, retries, error and hint, preflight, drift."""
    found = get_run(context.database, path_id(run_id, "run"))
    return render(
        request,
        "pages/run.html",
        view=view_of(found),
        drift=schema_drift(
            context.database, context.registry, ingestion_run_id=found.ingestion_run_id
        ),
    )


@router.get("/runs/{run_id}/changes", response_class=HTMLResponse)
def changes(run_id: str, request: Request, context: ContextDep) -> HTMLResponse:
    """What a reprocess changed: events added, changed (before → after), removed."""
    found = get_run(context.database, path_id(run_id, "run"))
    return render(request, "pages/changes.html", view=view_of(found))


@router.post("/upload")
def upload(
    context: ContextDep,
    file: Annotated[UploadFile | None, File()] = None,
    allow_missing_sections: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Import an uploaded statement, as `POST /ingestion/upload` does."""
    if file is None or not file.filename:
        return redirect("/ui/ingestion/runs", problem="Choose a statement file.")
    payload = read_payload_stream(file.file, name=file.filename, source="upload")
    try:
        outcome = ingest_payload(
            context.database,
            context.settings,
            payload,
            IngestOptions(allow_missing_sections=bool(allow_missing_sections)),
            hooks=context.stages(),
        )
    except RunAlreadyActiveError as exc:
        return redirect("/ui/ingestion/runs", problem=exc.message)
    target = f"/ui/ingestion/runs/{outcome.run.ingestion_run_id}"
    if outcome.succeeded:
        return redirect(
            target,
            notice=f"Imported {file.filename}: {outcome.raw_record_count} new raw "
            f"row(s), {outcome.raw_record_deduplicated_count} already stored.",
        )
    return redirect(target, problem=f"The import of {file.filename} failed.")


@router.post("/run")
def fetch(context: ContextDep) -> RedirectResponse:
    """Fetch from IBKR now (when configured; otherwise Setup says what to set)."""
    if context.settings.missing_for(Capability.FETCH):
        return redirect(
            "/ui/setup", problem="Fetching from IBKR is not configured yet."
        )
    try:
        started = start_fetch(
            context.database,
            context.settings,
            client_factory=context.flex_client_factory,
            hooks=context.stages(),
        )
    except RunAlreadyActiveError as exc:
        return redirect("/ui/ingestion/runs", problem=exc.message)
    return redirect(
        f"/ui/ingestion/runs/{started.ingestion_run_id}",
        notice="Run started; reload to follow it.",
    )


@router.post("/reprocess")
def rebuild(
    context: ContextDep,
    period_key: Annotated[str, Form()] = "",
    flex_query_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Rebuild events from the stored raw rows, then show what changed."""
    scope = reprocess_scope(period_key.strip() or None, flex_query_id.strip() or None)
    try:
        outcome = reprocess(context.database, context.settings, context.registry, scope)
    except RunAlreadyActiveError as exc:
        return redirect("/ui/ingestion/runs", problem=exc.message)
    run_id = outcome.run.ingestion_run_id
    if not outcome.succeeded:
        return redirect(f"/ui/ingestion/runs/{run_id}", problem="Reprocess failed.")
    return redirect(f"/ui/ingestion/runs/{run_id}/changes", notice="Reprocessed.")
