"""Ingestion API: fetch, upload, reprocess; list and inspect runs."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from flexledger.db.repositories.runs import RunFilter, RunRepository
from flexledger.domain.errors import RunAlreadyActiveError
from flexledger.domain.runs import IngestionRun, RunStatus, RunType
from flexledger.jobs.background import start_fetch
from flexledger.jobs.ingest import IngestOptions, ingest_payload, read_payload_stream
from flexledger.jobs.reprocess import reprocess, reprocess_scope
from flexledger.web.api.ingestion_schemas import (
    MissingSectionsOut,
    RunDetailOut,
    RunOut,
    RunStartedOut,
    UploadOut,
)
from flexledger.web.api.listing import (
    choice_param,
    envelope,
    instant_param,
    list_params,
    parse_choice,
    parse_instant,
    parse_list_query,
    query_parameters,
)
from flexledger.web.api.schemas import PageOut, Text
from flexledger.web.deps import ContextDep
from flexledger.web.errors import (
    ID_ERRORS,
    QUERY_ERRORS,
    SERVER_ERRORS,
    ErrorOut,
    error_body,
    error_responses,
)

router = APIRouter(prefix="/ingestion", tags=["ingestion"])

RUN_SORT_FIELDS = ("started_at_utc", "ended_at_utc", "status", "duration_ms")
RUN_DEFAULT_SORT = ("started_at_utc", "desc")
START_WAIT_SECONDS = 30.0
_STATUSES = tuple(status.value for status in RunStatus)
_RUN_TYPES = tuple(run_type.value for run_type in RunType)


def _run_out(run: IngestionRun, *, with_diagnostics: bool = False) -> dict[str, Any]:
    # SCHEMA: account_id is internal and never leaves the app in API payloads.
    canonical = _details(run, "canonical_mapping")
    body: dict[str, Any] = {
        "ingestion_run_id": str(run.ingestion_run_id),
        "run_type": run.run_type.value,
        "status": run.status.value,
        "period_key": run.period_key,
        "flex_query_id": run.flex_query_id,
        "report_date_local": run.report_date_local.isoformat()
        if run.report_date_local
        else None,
        "started_at_utc": run.started_at.isoformat(),
        "ended_at_utc": run.ended_at.isoformat() if run.ended_at else None,
        "duration_ms": run.duration_ms,
        "error_code": run.error_code,
        "error_message": run.error_message,
        "canonical_input_row_count": canonical.get("canonical_input_row_count"),
        "canonical_duration_ms": canonical.get("canonical_duration_ms"),
        "canonical_skip_reason": canonical.get("canonical_skip_reason"),
    }
    if with_diagnostics:
        body["diagnostics"] = list(run.diagnostics)
    return body


def _details(run: IngestionRun, stage: str) -> dict[str, Any]:
    for event in reversed(run.diagnostics):
        if event.get("stage") == stage:
            details: dict[str, Any] = dict(event.get("details") or {})
            return details
    return {}


def _conflict() -> JSONResponse:
    # SPEC §5.2: this exact body.
    return JSONResponse(
        error_body(RunAlreadyActiveError.code, "run already active"), status_code=409
    )


@router.post(
    "/run",
    response_model=RunStartedOut,
    # 400: fetching is not configured; 409: a run is active (SPEC §5.2).
    responses=error_responses(400, 409, *SERVER_ERRORS),
)
def start_run(context: ContextDep) -> JSONResponse:
    """Start fetching from IBKR now; 409 while another run is active."""
    try:
        run = start_fetch(
            context.database,
            context.settings,
            client_factory=context.flex_client_factory,
            hooks=context.stages(),
            wait_seconds=START_WAIT_SECONDS,
        )
    except RunAlreadyActiveError:
        return _conflict()
    return JSONResponse(
        {
            "job_name": "ingestion",
            "status": run.status.value,
            "ingestion_run_id": str(run.ingestion_run_id),
        }
    )


class ReprocessIn(BaseModel):
    """Scope of a reprocess: both fields, or neither for everything."""

    period_key: Text | None = None
    flex_query_id: Text | None = None


@router.post(
    "/reprocess",
    response_model=RunDetailOut,
    responses={
        **error_responses(400, 409, 422, *SERVER_ERRORS),
        500: {
            "model": RunDetailOut | ErrorOut,
            "description": "The reprocess run failed (the run, with its "
            "timeline), or an unexpected error.",
        },
    },
)
def reprocess_run(
    context: ContextDep, body: Annotated[ReprocessIn | None, Body()] = None
) -> JSONResponse:
    """Rebuild canonical events from stored raw rows; no network, raw untouched."""
    request = body or ReprocessIn()
    scope = reprocess_scope(request.period_key, request.flex_query_id)
    try:
        outcome = reprocess(context.database, context.settings, context.registry, scope)
    except RunAlreadyActiveError:
        return _conflict()
    return JSONResponse(
        _run_out(outcome.run, with_diagnostics=True),
        status_code=200 if outcome.succeeded else 500,
    )


# Compressed uploads are small; the decompressed statement is capped separately.
# Enforced while the body arrives by web/upload_limit.py.
MAX_UPLOAD_BYTES = 256 * 1024 * 1024


@router.post(
    "/upload",
    response_model=UploadOut,
    responses={
        # 400: the body stopped at the size limit while it arrived.
        **error_responses(400, 409, 413, *SERVER_ERRORS),
        422: {
            "model": UploadOut | ErrorOut,
            "description": "The statement was read but its import failed (the "
            "run, with its timeline), or it could not be read or the form is "
            "not valid.",
        },
    },
)
def upload_statement(
    context: ContextDep,
    file: Annotated[UploadFile, File(description=".xml or .xml.gz Flex statement")],
    allow_missing_sections: Annotated[bool, Form()] = False,
) -> JSONResponse:
    """Import an uploaded statement through the same pipeline as `flexledger import`."""
    payload = read_payload_stream(
        file.file, name=file.filename or "upload.xml", source="upload"
    )
    try:
        outcome = ingest_payload(
            context.database,
            context.settings,
            payload,
            IngestOptions(allow_missing_sections=allow_missing_sections),
            hooks=context.stages(),
        )
    except RunAlreadyActiveError:
        return _conflict()
    body = _run_out(outcome.run, with_diagnostics=True)
    body.update(
        raw_record_count=outcome.raw_record_count,
        raw_record_deduplicated_count=outcome.raw_record_deduplicated_count,
        raw_artifact_deduplicated=outcome.raw_artifact_deduplicated,
        warnings=list(outcome.warnings),
    )
    return JSONResponse(body, status_code=200 if outcome.succeeded else 422)


@router.get(
    "/runs",
    response_model=PageOut[RunOut],
    openapi_extra=query_parameters(
        *list_params(RUN_SORT_FIELDS),
        choice_param("status", "Only runs in this state.", _STATUSES),
        choice_param("run_type", "Only runs started this way.", _RUN_TYPES),
        instant_param("from_utc", "Started at or after this instant."),
        instant_param("to_utc", "Started before this instant."),
    ),
    responses=error_responses(*QUERY_ERRORS),
)
def list_runs(request: Request, context: ContextDep) -> dict[str, Any]:
    """Runs, newest first by default (SPEC §12 list contract)."""
    params = request.query_params
    query = parse_list_query(
        params,
        context.settings,
        sort_fields=RUN_SORT_FIELDS,
        default_sort=RUN_DEFAULT_SORT,
    )
    status = parse_choice(params, "status", _STATUSES)
    run_type = parse_choice(params, "run_type", _RUN_TYPES)
    filters = RunFilter(
        status=RunStatus(status) if status else None,
        run_type=RunType(run_type) if run_type else None,
        from_utc=parse_instant(params, "from_utc"),
        to_utc=parse_instant(params, "to_utc"),
    )
    with context.database.unit_of_work() as uow:
        runs, total = RunRepository(uow).list_runs(
            filters,
            sort_by=query.sort_by,
            sort_dir=query.sort_dir,
            limit=query.limit,
            offset=query.offset,
        )
    normalized = {
        "status": status,
        "run_type": run_type,
        "from_utc": filters.from_utc.isoformat() if filters.from_utc else None,
        "to_utc": filters.to_utc.isoformat() if filters.to_utc else None,
    }
    return envelope([_run_out(run) for run in runs], total, query, normalized)


@router.get(
    "/runs/{ingestion_run_id}",
    response_model=RunDetailOut,
    responses=error_responses(*ID_ERRORS),
)
def get_run(ingestion_run_id: uuid.UUID, context: ContextDep) -> dict[str, Any]:
    """One run with its stage timeline."""
    with context.database.unit_of_work() as uow:
        run = RunRepository(uow).get(ingestion_run_id)
    return _run_out(run, with_diagnostics=True)


@router.get(
    "/runs/{ingestion_run_id}/missing-sections",
    response_model=MissingSectionsOut,
    responses=error_responses(*ID_ERRORS),
)
def missing_sections(
    ingestion_run_id: uuid.UUID, context: ContextDep
) -> dict[str, Any]:
    """What the run's statement lacked, per the SPEC §6 matrix."""
    with context.database.unit_of_work() as uow:
        run = RunRepository(uow).get(ingestion_run_id)
    preflight = _details(run, "preflight")
    return {
        "ingestion_run_id": str(run.ingestion_run_id),
        "status": run.status.value,
        "error_code": run.error_code,
        "missing_sections": preflight.get("missing_sections", []),
        "missing_hard_required": preflight.get("missing_hard_required", []),
        "missing_reconciliation_required": preflight.get(
            "missing_reconciliation_required", []
        ),
    }
