"""Report answers kept as their JSON bytes per state of the stored data and query.

A report request that hits every job cache still pays for validating and
serializing its page through the response model, which under concurrent load
costs more than the report. The bytes are built once, exactly as FastAPI would
build them (validated by the route's model, dumped by alias, rendered by
`JSONResponse`), and kept under the data state (`flexledger.jobs.data_state`,
moved by every write from any process), the app's settings, the path and the raw
query string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from flexledger.config import Settings
from flexledger.jobs.cache import BoundedCache
from flexledger.jobs.data_state import data_state
from flexledger.web.context import AppContext

# Pages of a few reports in a few states: each a few to a few hundred KB.
_BODIES: BoundedCache[tuple[object, ...], bytes] = BoundedCache(256)
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}
# One settings object per app; tests build many.
_SETTINGS: BoundedCache[int, tuple[Settings, str]] = BoundedCache(16)


def cached_json(
    request: Request,
    context: AppContext,
    model: Any,
    build: Callable[[], Any],
) -> Response:
    """The JSON answer of `build()` under the route's response `model`.

    `build` may return a `Response` (a CSV download): it is passed through and
    not kept. Errors it raises propagate and nothing is kept.
    """
    # Read before building: a write in between leaves newer bytes under the
    # older state, replaced on the next request, never older bytes under a newer.
    key = (
        data_state(context.database),
        _settings_key(context.settings),
        request.url.path,
        tuple(sorted(request.query_params.multi_items())),
    )

    def render() -> bytes:
        content = build()
        if isinstance(content, Response):
            raise _PassedThrough(content)
        adapter = _adapter(model)
        dumped = adapter.dump_python(
            adapter.validate_python(content), mode="json", by_alias=True
        )
        return bytes(JSONResponse(dumped).body)

    try:
        # One request renders a new page; the others asking for it meanwhile wait
        # for its bytes instead of validating and dumping the same rows again.
        body = _BODIES.get_or_build(key, render)
    except _PassedThrough as passed:
        return passed.response
    return Response(body, media_type="application/json")


class _PassedThrough(Exception):  # noqa: N818 (not an error: a CSV answer)
    """Carries an answer that is not kept (a CSV download) out of the cache."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def _settings_key(settings: Settings) -> str:
    """The settings as text: page limits and the like shape an answer too.

    Kept by identity with the settings object itself, so a new object reusing a
    freed one's id is never mistaken for it.
    """
    known = _SETTINGS.get(id(settings))
    if known is None or known[0] is not settings:
        known = (settings, settings.model_dump_json())
        _SETTINGS.put(id(settings), known)
    return known[1]


def _adapter(model: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter
