"""Keeps the Flex token out of URLs, log lines and exception text.

IBKR puts the token in the query string (`t=`), so anything that records a URL can
leak it. httpx logs request URLs at INFO; main keeps its loggers at WARNING, and
`TokenRedactionFilter` scrubs whatever still reaches a handler.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

_TOKEN_PARAMETER = re.compile(r"([?&]t=)[^&\s'\"]+")
MASK = "***"


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace `t=` query values and every given secret (plain and URL-encoded)."""
    cleaned = _TOKEN_PARAMETER.sub(rf"\1{MASK}", text)
    for secret in secrets:
        if secret:
            cleaned = cleaned.replace(secret, MASK).replace(
                quote(secret, safe=""), MASK
            )
    return cleaned


def fingerprint(secret: str) -> str:
    """A short, stable stand-in for a secret in logs: first 4 hex of its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()[:4]


class TokenRedactionFilter(logging.Filter):
    """Scrubs formatted log records (message, arguments, exception text)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        message = record.getMessage()
        record.msg = scrub(message, self._secrets)
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = scrub(
                formatter.formatException(record.exc_info), self._secrets
            )
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, self._secrets)
        return True
