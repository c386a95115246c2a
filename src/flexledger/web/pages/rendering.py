"""How a page is rendered: the template environment, the page context, error pages.

Pages answer HTML even when an operation fails: `PageRoute` turns any
`FlexLedgerError` into the error page, with the status the JSON API would give.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.datastructures import URL

from flexledger.domain.errors import FlexLedgerError
from flexledger.web.errors import status_for
from flexledger.web.pages.filters import install_filters

WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATES = Jinja2Templates(directory=WEB_DIR / "templates")
TEMPLATES.env.autoescape = True
install_filters(TEMPLATES.env)

# The navigation, in order: (path, label).
NAV = (
    ("/ui/", "Dashboard"),
    ("/ui/instruments", "Instruments"),
    ("/ui/labels", "Labels"),
    ("/ui/reconciliation", "Reconciliation"),
    ("/ui/coverage", "Coverage"),
    ("/ui/ingestion/runs", "Ingestion"),
    ("/ui/cases", "Cases"),
    ("/ui/drift", "Schema drift"),
    ("/ui/setup", "Setup"),
)


def render(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page template with the layout's context."""
    context.setdefault("notice", request.query_params.get("notice"))
    context.setdefault("problem", request.query_params.get("problem"))
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "nav": NAV,
            "path": request.url.path,
            # The CSRF hook: every POST form renders this field; empty until the
            # protection lands, so adding it changes no template.
            "csrf_token": "",
            **context,
        },
        status_code=status_code,
    )


def redirect(
    url: str, *, notice: str | None = None, problem: str | None = None
) -> RedirectResponse:
    """303 See Other to `url` (POST → GET), optionally with a one-line message."""
    target = URL(url)
    if notice:
        target = target.include_query_params(notice=notice)
    if problem:
        target = target.include_query_params(problem=problem)
    return RedirectResponse(str(target), status_code=303)


def error_page(request: Request, error: FlexLedgerError) -> HTMLResponse:
    """The error page: what went wrong, its code and what to do."""
    return render(
        request,
        "pages/error.html",
        status_code=status_for(error),
        error=error,
    )


class PageRoute(APIRoute):
    """A page route: a `FlexLedgerError` becomes the HTML error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the default handler."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except FlexLedgerError as error:
                return error_page(request, error)

        return handle
