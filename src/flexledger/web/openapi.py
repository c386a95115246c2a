"""The OpenAPI document, with the answers the security middleware gives.

The middleware answers before any route runs, so FastAPI cannot see its refusals:
400 on every route but the health check when the Host is not an allowed one, 401
on every route but the open ones when built-in authentication is on, and 403 on
every state change sent cross-site (always checked). A client generated from the
document must know them, and how to authenticate (bearer token or the session
cookie the login page sets).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from flexledger.web.errors import error_responses
from flexledger.web.security.middleware import (
    SAFE_METHODS,
    is_host_checked,
    is_open_path,
)
from flexledger.web.security.sessions import COOKIE_NAME

BEARER_SCHEME = "bearerToken"
SESSION_SCHEME = "sessionCookie"
_SECURITY_SCHEMES = {
    BEARER_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "FLEXLEDGER_API_TOKEN, when set (scripts).",
    },
    SESSION_SCHEME: {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE_NAME,
        "description": "The session the login page (/ui/login) signs in.",
    },
}
# With built-in authentication off (the default: a reverse proxy authenticates)
# a request needs neither, hence the empty alternative.
_SECURITY: list[dict[str, list[str]]] = [{}, {BEARER_SCHEME: []}, {SESSION_SCHEME: []}]


def install_openapi(app: FastAPI) -> None:
    """Serve the routes' document with the middleware's refusals added."""
    routes_document = app.openapi

    def document() -> dict[str, Any]:
        # FastAPI's builder caches its document, so it is completed only once.
        if app.openapi_schema is None:
            add_access_answers(routes_document())
        return routes_document()

    app.openapi = document  # type: ignore[method-assign]


def add_access_answers(schema: dict[str, Any]) -> None:
    """Add 400/401/403 and the security schemes to an OpenAPI document in place."""
    foreign_host, refused, cross_site = _access_responses()
    for path, item in schema.get("paths", {}).items():
        if is_host_checked(path):
            for operation in item.values():
                _add_foreign_host(operation.setdefault("responses", {}), foreign_host)
        if is_open_path(path):
            continue
        for method, operation in item.items():
            operation["security"] = _SECURITY
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", refused)
            if method.upper() not in SAFE_METHODS:
                responses.setdefault("403", cross_site)
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(_SECURITY_SCHEMES)


def _add_foreign_host(responses: dict[str, Any], foreign_host: dict[str, Any]) -> None:
    """400 for a foreign Host; a route's own 400 keeps its meaning and gains this."""
    own = responses.get("400")
    if own is None:
        responses["400"] = foreign_host
    else:
        # A new entry: FastAPI may share one response dict between operations.
        responses["400"] = {
            **own,
            "description": f"{own['description']} Or {_FOREIGN_HOST_MEANING}",
        }


_FOREIGN_HOST_MEANING = (
    "HOST_NOT_ALLOWED: the Host header is not in FLEXLEDGER_ALLOWED_HOSTS "
    "(a guard against DNS rebinding)."
)


def _access_responses() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The 400, 401 and 403 entries, the error envelope like every other error."""
    entries = {}
    for status, entry in error_responses(400, 401, 403).items():
        entries[status] = {
            "description": entry["description"],
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/ErrorOut"}
                }
            },
        }
    entries[400]["description"] = _FOREIGN_HOST_MEANING
    return entries[400], entries[401], entries[403]
