"""Sign-in and sign-out, when built-in authentication is on (SPEC §0 P6).

The login form posts the password with its CSRF token (login CSRF is a thing);
a success starts a new session (a new id, so a planted cookie cannot be carried
into the signed-in session) and goes back to the page that asked. Failures are
throttled per client address and globally (`LoginThrottle`), and logged with
the address only, never what was typed.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flexledger.domain.errors import LoginThrottledError
from flexledger.web.pages.rendering import PageRoute, redirect, render
from flexledger.web.security.csrf import request_security
from flexledger.web.security.guard import RequestSecurity
from flexledger.web.security.sessions import Session

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)

_log = logging.getLogger(__name__)
HOME = "/ui/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    """The sign-in form (straight on to the app when no sign-in is needed)."""
    security = _security(request)
    target = safe_next(request.query_params.get("next"))
    if not security.guard.auth_enabled or security.authenticated:
        return redirect(target)
    return render(request, "pages/login.html", next=target)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = HOME,
) -> Response:
    """Check the password; on success, a new signed-in session."""
    security = _security(request)
    target = safe_next(next)
    if not security.guard.auth_enabled:
        return redirect(target)
    throttle = security.guard.throttle
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(address)
    if wait:
        _log.warning("sign-in from %s refused: throttled for %d s", address, wait)
        raise LoginThrottledError(wait)
    if not security.guard.password_matches(password):
        throttle.failed(address)
        _log.warning("sign-in from %s failed", address)
        return render(
            request,
            "pages/login.html",
            status_code=401,
            next=target,
            problem="That password is not right.",
        )
    throttle.succeeded(address)
    security.replace_session(Session.new(authenticated=True))
    _log.info("sign-in from %s", address)
    return redirect(target)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    """End the session: a new, signed-out one replaces it."""
    _security(request).replace_session(Session.new())
    return redirect("/ui/login", notice="Signed out.")


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this server, else the dashboard.

    Only a local absolute path is followed after sign-in, so a link cannot send
    the user on to another site (no open redirect).
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(c) < 32 for c in target)
    ):
        return target
    return HOME


def _security(request: Request) -> RequestSecurity:
    security = request_security(request)
    if security is None:  # the app always installs the middleware
        raise RuntimeError("the security middleware is not installed")
    return security
