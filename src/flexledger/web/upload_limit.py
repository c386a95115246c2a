"""Refuses oversized request bodies while they arrive, not after they are spooled.

FastAPI reads a multipart body completely before any dependency runs, so a size
check there comes too late to protect the disk. This ASGI middleware answers 413 for
a declared Content-Length over the limit, and stops reading a chunked body at the
limit (the request then fails with 400 and nothing is stored).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flexledger.domain.errors import StatementTooLargeError
from flexledger.web.errors import error_body


class UploadLimit:
    """Caps request bodies under `path_prefix` at `limit()` bytes."""

    def __init__(
        self, app: ASGIApp, *, path_prefix: str, limit: Callable[[], int]
    ) -> None:
        self._app = app
        self._prefix = path_prefix
        self._limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass requests through, counting the body bytes of matching ones."""
        if scope["type"] != "http" or not scope["path"].startswith(self._prefix):
            await self._app(scope, receive, send)
            return
        limit = self._limit()
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _discard_some(receive)
            await _refuse(send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # The framework reports a failed body read as a 400.
                    raise _too_large(limit)
            return message

        await self._app(scope, counted, send)


_DISCARD_BYTES = 1024 * 1024


async def _discard_some(receive: Receive) -> None:
    """Read and drop up to 1 MiB, so a modest client sees the 413, not a reset."""
    discarded = 0
    while discarded <= _DISCARD_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return
        discarded += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _too_large(limit: int) -> StatementTooLargeError:
    return StatementTooLargeError(
        f"The upload is larger than {limit:,} bytes.",
        hint="Compress it (.xml.gz) or import it with `flexledger import`.",
    )


async def _refuse(send: Send, limit: int) -> None:
    error = _too_large(limit)
    body = json.dumps(error_body(error.code, error.message, hint=error.hint)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
