"""`create_app`: the FastAPI application factory (no engine or settings at import)."""

from __future__ import annotations

from fastapi import FastAPI

from flexledger.web.api import (
    cases,
    health,
    ingestion,
    instruments,
    labels,
    metrics,
    notes,
)
from flexledger.web.api.coverage import router as coverage_router
from flexledger.web.api.provenance import router as provenance_router
from flexledger.web.api.reconciliation import router as reconciliation_router
from flexledger.web.api.reports import router as reports_router
from flexledger.web.context import AppContext
from flexledger.web.errors import install_error_handlers
from flexledger.web.openapi import install_openapi
from flexledger.web.pages import UPLOAD_PATH, install_pages
from flexledger.web.security.guard import Guard
from flexledger.web.security.middleware import SecurityMiddleware
from flexledger.web.upload_limit import UploadLimit


def create_app(context: AppContext) -> FastAPI:
    """Build the app around an already created context.

    Args:
        context: settings and database built by the composition root.

    Returns:
        The ASGI application.
    """
    app = FastAPI(
        title="ibkr-flex-ledger",
        version=context.version,
        # Swagger UI needs inline script and a CDN, which the Content-Security-
        # Policy of every HTML answer forbids; the document itself stays.
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.context = context
    guard = Guard.from_settings(context.settings)
    app.state.guard = guard
    install_error_handlers(app)
    app.add_middleware(
        UploadLimit,
        path_prefix="/ingestion/upload",
        limit=lambda: ingestion.MAX_UPLOAD_BYTES,
    )
    # The UI's upload form takes the same size limit as the API's.
    app.add_middleware(
        UploadLimit, path_prefix=UPLOAD_PATH, limit=lambda: ingestion.MAX_UPLOAD_BYTES
    )
    # Added last, so outermost: a refused request is answered before the upload
    # limit or the app reads its body.
    app.add_middleware(SecurityMiddleware, guard=guard)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(ingestion.router)
    app.include_router(cases.router)
    app.include_router(instruments.router)
    app.include_router(labels.router)
    app.include_router(notes.router)
    app.include_router(provenance_router)
    app.include_router(reports_router)
    app.include_router(reconciliation_router)
    app.include_router(coverage_router)
    install_pages(app)
    install_openapi(app)
    return app
