"""The per-form CSRF token check of the UI's state-changing routes.

`PageRoute` adds `require_csrf_token` to every page route that is not GET/HEAD,
so no form can be added without it. The token travels as the `csrf_token` form
field (the `form` macro renders it) or, for scripts driving the UI, the
`X-CSRF-Token` header.
"""

from __future__ import annotations

from fastapi import Request

from flexledger.domain.errors import CrossSiteRequestError
from flexledger.web.security.guard import RequestSecurity

FIELD = "csrf_token"
HEADER = "x-csrf-token"


def request_security(request: Request) -> RequestSecurity | None:
    """What the security middleware recorded for `request` (None without it)."""
    found = getattr(request.state, "security", None)
    return found if isinstance(found, RequestSecurity) else None


async def require_csrf_token(request: Request) -> None:
    """Refuse the request unless it carries its session's CSRF token.

    FastAPI has parsed the form already when the route takes form fields, and
    `request.form()` returns that same parsed form.

    Raises:
        CrossSiteRequestError: CSRF_REJECTED, the token is missing or wrong.
    """
    security = request_security(request)
    if security is None:
        raise CrossSiteRequestError("The request carries no session.")
    supplied = request.headers.get(HEADER)
    if supplied is None:
        value = (await request.form()).get(FIELD)
        supplied = value if isinstance(value, str) else None
    if not security.guard.codec.csrf_matches(security.session, supplied):
        raise CrossSiteRequestError(
            "The form's security token is missing or out of date."
        )
