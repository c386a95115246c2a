"""One ASGI middleware for every request's security, before the app reads a byte.

In order: the Host allowlist (DNS rebinding), the session cookie, the bearer
token, the cross-site check on state-changing requests (CSRF, by `Sec-Fetch-Site`
and `Origin`, which browsers always send cross-site and scripts don't), the
authentication check, and on the way out the security headers and the session
cookie. Refusals answer the error envelope before any body is read, so a forged
upload is never spooled. The per-form CSRF token is checked by the page routes
(`flexledger.web.security.csrf`), which can read the form.
"""

from __future__ import annotations

import json
import logging
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flexledger.domain.errors import (
    AccessError,
    AuthenticationRequiredError,
    CrossSiteRequestError,
    HostNotAllowedError,
)
from flexledger.web.errors import error_body
from flexledger.web.security.guard import Guard, RequestSecurity
from flexledger.web.security.sessions import COOKIE_NAME, Session

_log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HTML_HEADERS = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-frame-options", "DENY"),
    # Not no-referrer: under it Chromium sends `Origin: null` on same-origin form
    # posts, which the Origin check must refuse. same-origin still sends nothing
    # to other sites.
    ("referrer-policy", "same-origin"),
)
LOGIN_PATH = "/ui/login"
# Reachable without signing in: the health check, the login page and what it
# loads (the static CSS/JS/icon carry no data).
_OPEN_PATHS = frozenset({"/health", LOGIN_PATH})
_OPEN_PREFIXES = ("/ui/static/",)
_SAME_SITE_VALUES = frozenset({"same-origin", "none"})


class SecurityMiddleware:
    """Applies `guard` to every HTTP request of the wrapped app."""

    def __init__(self, app: ASGIApp, *, guard: Guard) -> None:
        self._app = app
        self._guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on with headers added to the answer."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope["path"]
        method: str = scope["method"]
        security = RequestSecurity(self._guard, self._session(headers))
        scope.setdefault("state", {})["security"] = security
        try:
            self._check_host(path, headers)
            self._check_bearer(security, headers)
            if method not in SAFE_METHODS:
                self._check_same_origin(headers)
            if not security.authenticated and not is_open_path(path):
                if method in SAFE_METHODS and _is_page(path):
                    await self._send_login_redirect(scope, send, security)
                    return
                raise AuthenticationRequiredError
        except AccessError as error:
            await self._refuse(scope, send, security, error)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._secure_headers(scope, message, security)
            await send(message)

        await self._app(scope, receive, send_secured)

    def _session(self, headers: Headers) -> Session:
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except CookieError:  # a malformed Cookie header is no session
            return Session.new()
        morsel = cookie.get(COOKIE_NAME)
        found = self._guard.codec.loads(morsel.value) if morsel else None
        return found or Session.new()

    def _check_host(self, path: str, headers: Headers) -> None:
        if "*" in self._guard.allowed_hosts or not is_host_checked(path):
            return
        if _hostname(headers.get("host", "")) not in self._guard.allowed_hosts:
            raise HostNotAllowedError("This server does not answer to that host name.")

    def _check_bearer(self, security: RequestSecurity, headers: Headers) -> None:
        if not self._guard.auth_enabled:
            return
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if not scheme:
            return
        # A wrong token is refused outright, never retried as a session.
        if scheme.lower() != "bearer" or not self._guard.bearer_matches(
            credentials.strip()
        ):
            raise AuthenticationRequiredError("The bearer token is not valid.")
        security.bearer = True

    @staticmethod
    def _check_same_origin(headers: Headers) -> None:
        site = headers.get("sec-fetch-site")
        if site is not None and site.strip().lower() not in _SAME_SITE_VALUES:
            raise CrossSiteRequestError(
                "Refused a state change sent from another site (Sec-Fetch-Site)."
            )
        origin = headers.get("origin")
        if origin is None:
            return
        own = headers.get("host", "").strip().lower()
        if urlsplit(origin.strip()).netloc.lower() != own or not own:
            raise CrossSiteRequestError(
                "Refused a state change sent from another origin (Origin)."
            )

    def _secure_headers(
        self, scope: Scope, message: Message, security: RequestSecurity
    ) -> None:
        headers = MutableHeaders(scope=message)
        headers.setdefault("x-content-type-options", "nosniff")
        is_html = headers.get("content-type", "").startswith("text/html")
        if is_html:
            for name, value in HTML_HEADERS:
                headers.setdefault(name, value)
        redirect = 300 <= int(message["status"]) < 400
        # A page's forms carry the token of the session they were rendered for,
        # so a new session's cookie goes out with the page.
        unsent = security.session_changed or not security.session.from_cookie
        if unsent and (is_html or redirect):
            headers.append("set-cookie", self._cookie(scope, security.session))

    def _cookie(self, scope: Scope, session: Session) -> str:
        secure = self._guard.cookie_secure == "always" or (
            self._guard.cookie_secure == "auto" and scope.get("scheme") == "https"
        )
        return (
            f"{COOKIE_NAME}={self._guard.codec.dumps(session)}; Path=/; "
            f"Max-Age={self._guard.codec.max_age_seconds}; HttpOnly; SameSite=Lax"
            + ("; Secure" if secure else "")
        )

    async def _send_login_redirect(
        self, scope: Scope, send: Send, security: RequestSecurity
    ) -> None:
        target = scope["path"]
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        location = f"{LOGIN_PATH}?next={quote(target, safe='')}"
        await self._answer(
            scope, send, security, 303, b"", [(b"location", location.encode())]
        )

    async def _refuse(
        self, scope: Scope, send: Send, security: RequestSecurity, error: AccessError
    ) -> None:
        status = 401 if isinstance(error, AuthenticationRequiredError) else 403
        if isinstance(error, HostNotAllowedError):
            status = 400
        _log.warning("refused %s %s: %s", scope["method"], scope["path"], error.code)
        body = json.dumps(error_body(error.code, error.message, hint=error.hint))
        extra = [(b"content-type", b"application/json")]
        if status == 401:
            extra.append((b"www-authenticate", b'Bearer realm="flexledger"'))
        await self._answer(scope, send, security, status, body.encode(), extra)

    async def _answer(
        self,
        scope: Scope,
        send: Send,
        security: RequestSecurity,
        status: int,
        body: bytes,
        headers: list[tuple[bytes, bytes]],
    ) -> None:
        message: Message = {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
        self._secure_headers(scope, message, security)
        await send(message)
        await send({"type": "http.response.body", "body": body})


def is_open_path(path: str) -> bool:
    """Whether `path` answers without signing in (health, login, static assets)."""
    return path in _OPEN_PATHS or path.startswith(_OPEN_PREFIXES)


def is_host_checked(path: str) -> bool:
    """Whether `path` refuses a foreign Host (health answers any: probes use IPs)."""
    return path != "/health"


def _is_page(path: str) -> bool:
    return path in {"/", "/ui"} or path.startswith("/ui/")


def _hostname(host: str) -> str:
    """The name in a Host header, without the port; IPv6 without brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
