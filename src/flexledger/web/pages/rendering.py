"""How a page is rendered: the template environment, the page context, error pages.

Pages answer HTML even when an operation fails: `PageRoute` turns any
`FlexLedgerError` into the error page, with the status the JSON API would give.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.datastructures import URL

from flexledger.domain.errors import AccessError, FlexLedgerError, LoginThrottledError
from flexledger.web.errors import error_body, status_for
from flexledger.web.pages.filters import install_filters
from flexledger.web.security.csrf import request_security, require_csrf_token
from flexledger.web.security.middleware import SAFE_METHODS

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
    security = request_security(request)
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "nav": NAV,
            "path": request.url.path,
            # Every POST form renders this in its hidden `csrf_token` field.
            "csrf_token": security.csrf_token if security else "",
            # Sign-out shows only when there is something to sign out of.
            "signed_in": bool(
                security and security.guard.auth_enabled and security.authenticated
            ),
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
    """A page route: a `FlexLedgerError` becomes the HTML error page.

    Every route that is not GET/HEAD also checks the form's CSRF token, so no
    state-changing page can be added without it.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if set(kwargs.get("methods") or ()) - SAFE_METHODS:
            kwargs["dependencies"] = [
                *(kwargs.get("dependencies") or ()),
                Depends(require_csrf_token),
            ]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the default handler."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except FlexLedgerError as error:
                if isinstance(error, AccessError) and not _wants_html(request):
                    return _error_envelope(error)
                return error_page(request, error)

        return handle


def _wants_html(request: Request) -> bool:
    # A browser's form post accepts text/html; the upload script's XHR and other
    # clients get the JSON envelope.
    return "text/html" in request.headers.get("accept", "")


def _error_envelope(error: FlexLedgerError) -> JSONResponse:
    headers = (
        {"Retry-After": str(error.retry_after_seconds)}
        if isinstance(error, LoginThrottledError)
        else None
    )
    return JSONResponse(
        error_body(error.code, error.message, hint=error.hint),
        status_code=status_for(error),
        headers=headers,
    )
