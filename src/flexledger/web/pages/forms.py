"""Reading page requests: ids from the path, dates and choices from the query."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from flexledger.domain.errors import InvalidRequestError, NotFoundError

PAGE_SIZE = 50


def path_id(text: str, what: str) -> uuid.UUID:
    """An id from the URL path.

    Raises:
        NotFoundError: the text is not an id, so nothing can have it.
    """
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFoundError(f"No {what} {text!r}.") from None


def query_id(params: Mapping[str, str], name: str) -> uuid.UUID | None:
    """An optional id from the query string.

    Raises:
        InvalidRequestError: INVALID_FILTER, not an id.
    """
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidRequestError(
            f"{name} must be an id, not {text!r}.", code="INVALID_FILTER"
        ) from None


def query_date(params: Mapping[str, str], name: str) -> dt.date | None:
    """An optional business date (YYYY-MM-DD) from the query string.

    Raises:
        InvalidRequestError: INVALID_FILTER, not a date.
    """
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(
            f"{name} must be a date written YYYY-MM-DD, not {text!r}.",
            code="INVALID_FILTER",
        ) from None


def date_range(params: Mapping[str, str]) -> tuple[dt.date | None, dt.date | None]:
    """The `from` / `to` business dates of a report form.

    Raises:
        InvalidRequestError: INVALID_FILTER, a bad date or `from` after `to`.
    """
    start, end = query_date(params, "from"), query_date(params, "to")
    if start and end and start > end:
        raise InvalidRequestError(
            "The start date is after the end date.", code="INVALID_FILTER"
        )
    return start, end


def query_choice(
    params: Mapping[str, str], name: str, choices: tuple[str, ...], default: str
) -> str:
    """One of `choices` (the default when absent or not one of them)."""
    value = params.get(name) or default
    return value if value in choices else default


def query_offset(params: Mapping[str, str]) -> int:
    """The page offset: a non-negative multiple of nothing in particular."""
    text = params.get("offset") or "0"
    return int(text) if text.isdigit() else 0
