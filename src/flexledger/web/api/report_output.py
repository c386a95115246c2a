"""What every report endpoint shares: the `format` switch and the CSV answer."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.responses import Response

from flexledger.analytics import csv_v1
from flexledger.domain.errors import InvalidRequestError

_FORMATS = ("json", "csv")


def wants_csv(params: Mapping[str, str]) -> bool:
    """Whether `format` asks for CSV (`json`, the default, or `csv`).

    Raises:
        InvalidRequestError: INVALID_FILTER.
    """
    value = params.get("format", "json")
    if value not in _FORMATS:
        raise InvalidRequestError("format must be json or csv.", code="INVALID_FILTER")
    return value == "csv"


def csv_response(text: str, name: str) -> Response:
    """A CSV v1 download: `text/csv`, `X-Schema-Version`, a file name."""
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "X-Schema-Version": csv_v1.SCHEMA_VERSION,
            "Content-Disposition": (
                f'attachment; filename="{name}-{csv_v1.SCHEMA_VERSION}.csv"'
            ),
        },
    )
