"""The server-rendered UI: pages under `/ui/`, static assets under `/ui/static/`.

Pages call the same jobs functions as the JSON API and never the database; every
state change is a POST form (redirected to a GET page), so the UI works without
JavaScript. The few static scripts only add copy buttons and upload progress.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from flexledger.web.pages import (
    cases,
    coverage,
    dashboard,
    drift,
    ingestion,
    instruments,
    labels,
    login,
    provenance,
    raw_rows,
    reconciliation,
    setup,
)
from flexledger.web.pages.rendering import WEB_DIR

UPLOAD_PATH = ingestion.UPLOAD_PATH


def install_pages(app: FastAPI) -> None:
    """Add the page routers and the static files to `app`."""
    for module in (
        dashboard,
        instruments,
        labels,
        raw_rows,
        provenance,
        reconciliation,
        coverage,
        ingestion,
        cases,
        drift,
        setup,
        login,
    ):
        app.include_router(module.router)
    app.mount("/ui/static", StaticFiles(directory=WEB_DIR / "static"), name="ui-static")
