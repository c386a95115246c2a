"""The SPEC §12 list contract: pagination, sorting, filters, and the envelope."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flexledger.config import Settings
from flexledger.domain.errors import InvalidRequestError

_MAX_OFFSET = 2**62  # beyond any table; keeps SQL integers in range
NO_NUL_PATTERN = "^[^\\u0000]*$"
"""JSON Schema `pattern` of text without NUL characters (see `parse_text`)."""


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A validated list request.

    Attributes:
        limit: rows to return, already clamped to API_MAX_LIMIT.
        offset: rows to skip.
        sort_by: an allowlisted field.
        sort_dir: ``asc`` or ``desc``.
        requested_limit: the limit as asked, before clamping.
    """

    limit: int
    offset: int
    sort_by: str
    sort_dir: str
    requested_limit: int


def parse_list_query(
    params: Mapping[str, str],
    settings: Settings,
    *,
    sort_fields: Sequence[str],
    default_sort: tuple[str, str],
) -> ListQuery:
    """Validate limit/offset/sort_by/sort_dir against the endpoint's allowlist.

    No `sort_by` → the endpoint default; `sort_by` alone → API_DEFAULT_SORT_DIR.

    Raises:
        InvalidRequestError: INVALID_PAGINATION, INVALID_SORT_FIELD or
            INVALID_SORT_DIRECTION.
    """
    limit = _integer(params, "limit", settings.api_default_limit)
    offset = _integer(params, "offset", 0)
    if limit < 1 or offset < 0 or offset > _MAX_OFFSET:
        raise InvalidRequestError(
            "limit must be at least 1 and offset at least 0.", code="INVALID_PAGINATION"
        )
    sort_by = params.get("sort_by")
    sort_dir = params.get("sort_dir")
    if sort_by is None:
        sort_by, default_dir = default_sort
        sort_dir = sort_dir or default_dir
    elif sort_by not in sort_fields:
        raise InvalidRequestError(
            f"sort_by must be one of {', '.join(sort_fields)}.",
            code="INVALID_SORT_FIELD",
        )
    sort_dir = (sort_dir or settings.api_default_sort_dir).lower()
    if sort_dir not in ("asc", "desc"):
        raise InvalidRequestError(
            "sort_dir must be asc or desc.", code="INVALID_SORT_DIRECTION"
        )
    return ListQuery(
        limit=min(limit, settings.api_max_limit),
        offset=offset,
        sort_by=sort_by,
        sort_dir=sort_dir,
        requested_limit=limit,
    )


def envelope(
    items: Sequence[Any], total: int, query: ListQuery, filters: Mapping[str, Any]
) -> dict[str, Any]:
    """The list envelope: items, page, sort, filters (normalized)."""
    return {
        "items": list(items),
        "page": {
            "limit": query.requested_limit,
            "offset": query.offset,
            "returned": len(items),
            "total": total,
            "has_more": query.offset + len(items) < total,
            "applied_limit": query.limit,
        },
        "sort": {"sort_by": query.sort_by, "sort_dir": query.sort_dir},
        "filters": dict(filters),
    }


def parse_instant(params: Mapping[str, str], name: str) -> dt.datetime | None:
    """An ISO-8601 instant filter; a value without a zone is taken as UTC.

    Raises:
        InvalidRequestError: INVALID_FILTER.
    """
    value = params.get(name)
    if value is None:
        return None
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        instant = instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)
        instant.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise InvalidRequestError(
            f"{name} must be an ISO-8601 date-time, e.g. 2026-01-31T00:00:00Z.",
            code="INVALID_FILTER",
        ) from None
    return instant


def parse_choice(
    params: Mapping[str, str], name: str, allowed: Sequence[str]
) -> str | None:
    """An enumerated filter.

    Raises:
        InvalidRequestError: INVALID_FILTER.
    """
    value = params.get(name)
    if value is None:
        return None
    if value not in allowed:
        raise InvalidRequestError(
            f"{name} must be one of {', '.join(allowed)}.", code="INVALID_FILTER"
        )
    return value


def parse_date(params: Mapping[str, str], name: str) -> dt.date | None:
    """A business-date filter, ``YYYY-MM-DD``; None when absent.

    Raises:
        InvalidRequestError: INVALID_FILTER.
    """
    value = params.get(name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidRequestError(
            f"{name} must be a date, YYYY-MM-DD.", code="INVALID_FILTER"
        ) from None


def parse_id(params: Mapping[str, str], name: str) -> uuid.UUID | None:
    """A UUID filter (e.g. ``instrument_id``).

    Raises:
        InvalidRequestError: INVALID_FILTER.
    """
    value = params.get(name)
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidRequestError(
            f"{name} must be a UUID.", code="INVALID_FILTER"
        ) from None


def parse_text(params: Mapping[str, str], name: str) -> str | None:
    """A free-text filter, trimmed; None when absent or blank.

    Raises:
        InvalidRequestError: INVALID_FILTER, the text holds a NUL character
            (PostgreSQL text cannot, so no row could match).
    """
    value = (params.get(name) or "").strip()
    if "\x00" in value:
        raise InvalidRequestError(
            f"{name} must not contain NUL (U+0000) characters.", code="INVALID_FILTER"
        )
    return value or None


def parse_flag(params: Mapping[str, str], name: str) -> bool | None:
    """A true/false filter (also 1/0, yes/no); None when absent.

    Raises:
        InvalidRequestError: INVALID_FILTER.
    """
    value = params.get(name)
    if value is None:
        return None
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise InvalidRequestError(f"{name} must be true or false.", code="INVALID_FILTER")


def _integer(params: Mapping[str, str], name: str, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidRequestError(
            f"{name} must be an integer.", code="INVALID_PAGINATION"
        ) from None


# -- the OpenAPI description of the parameters parsed above --------------------
# Query parameters are parsed by this module (so bad values get the SPEC §12
# codes, not the framework's); these helpers describe them in the OpenAPI
# document, which a contract test runs against.


@dataclass(frozen=True, slots=True)
class QueryParam:
    """One documented query parameter."""

    name: str
    description: str
    schema: Mapping[str, Any]


def text_param(name: str, description: str) -> QueryParam:
    """A free-text query parameter (`parse_text`: no NUL characters)."""
    return QueryParam(name, description, {"type": "string", "pattern": NO_NUL_PATTERN})


def date_param(name: str, description: str) -> QueryParam:
    """A ``YYYY-MM-DD`` query parameter."""
    return QueryParam(name, description, {"type": "string", "format": "date"})


def instant_param(name: str, description: str) -> QueryParam:
    """An ISO-8601 date-time query parameter (no zone means UTC)."""
    return QueryParam(name, description, {"type": "string", "format": "date-time"})


def id_param(name: str, description: str) -> QueryParam:
    """A UUID query parameter."""
    return QueryParam(name, description, {"type": "string", "format": "uuid"})


def choice_param(name: str, description: str, allowed: Sequence[str]) -> QueryParam:
    """An enumerated query parameter."""
    return QueryParam(name, description, {"type": "string", "enum": list(allowed)})


def flag_param(name: str, description: str) -> QueryParam:
    """A true/false query parameter."""
    return QueryParam(name, description, {"type": "boolean"})


def list_params(sort_fields: Sequence[str]) -> tuple[QueryParam, ...]:
    """`limit`, `offset`, `sort_by` (the endpoint's allowlist) and `sort_dir`."""
    return (
        QueryParam(
            "limit",
            "Rows per page (at least 1; above API_MAX_LIMIT it is clamped).",
            {"type": "integer", "minimum": 1},
        ),
        QueryParam("offset", "Rows to skip.", {"type": "integer", "minimum": 0}),
        choice_param("sort_by", "Field to sort by.", sort_fields),
        choice_param("sort_dir", "Sort direction.", ("asc", "desc")),
    )


def query_parameters(*params: QueryParam) -> dict[str, Any]:
    """`openapi_extra` for a route that parses these query parameters itself."""
    return {
        "parameters": [
            {
                "name": param.name,
                "in": "query",
                "required": False,
                "description": param.description,
                "schema": dict(param.schema),
            }
            for param in params
        ]
    }
