"""Gzip compression beside the read: the artifact's bytes, ready when the read ends."""

from __future__ import annotations

import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

# A quarter of the time of level 6 for a slightly larger artifact.
GZIP_LEVEL = 1
_GZIP_CONTAINER = 31  # zlib's wbits for a gzip header and trailer
# Chunks waiting for the worker before `feed` waits too: bounds memory when the
# worker falls behind (both cores busy).
_MAX_PENDING = 4


class BackgroundGzip:
    """Compresses chunks, in order, on a worker thread (zlib releases the GIL).

    Feed every chunk of the payload, then call `finish` for the gzip bytes; `close`
    always, to stop the worker when the read failed half-way.
    """

    def __init__(self, level: int = GZIP_LEVEL) -> None:
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, _GZIP_CONTAINER)
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="flexledger-gzip"
        )
        self._done: list[bytes] = []
        self._pending: deque[Future[bytes]] = deque()

    def feed(self, chunk: bytes) -> None:
        """Queue the next chunk of the payload."""
        while len(self._pending) >= _MAX_PENDING:
            self._done.append(self._pending.popleft().result())
        self._pending.append(self._executor.submit(self._compressor.compress, chunk))

    def finish(self) -> bytes:
        """The whole payload, gzip-compressed."""
        while self._pending:
            self._done.append(self._pending.popleft().result())
        self._done.append(self._executor.submit(self._compressor.flush).result())
        compressed = b"".join(self._done)
        self._done = []
        return compressed

    def close(self) -> None:
        """Stop the worker, dropping what is still queued."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> BackgroundGzip:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
