"""What every report endpoint shares: the `format` switch and the CSV answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.responses import Response

from flexledger.analytics import csv_v1
from flexledger.analytics.coverage import DateRange
from flexledger.domain.errors import InvalidRequestError
from flexledger.web.api.listing import QueryParam, choice_param

_FORMATS = ("json", "csv")

FORMAT_PARAM: QueryParam = choice_param(
    "format", "json (default) or csv (SPEC §13 v1, every matching row).", _FORMATS
)
"""The `format` switch as the OpenAPI document declares it."""

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}
"""The CSV v1 answer beside the JSON one, for a route's `responses`."""


def wants_csv(params: Mapping[str, str]) -> bool:
    """Whether `format` asks for CSV (`json`, the default, or `csv`).

    Raises:
        InvalidRequestError: INVALID_FILTER.
    """
    value = params.get("format", "json")
    if value not in _FORMATS:
        raise InvalidRequestError("format must be json or csv.", code="INVALID_FILTER")
    return value == "csv"


def csv_response(
    text: str, name: str, coverage_gaps: Sequence[DateRange] = ()
) -> Response:
    """A CSV v1 download: `text/csv`, `X-Schema-Version`, a file name.

    The v1 columns have no room for coverage, so gaps the range crosses are named
    in `X-Coverage-Gaps` (``first..last`` ranges, comma separated).
    """
    headers = {
        "X-Schema-Version": csv_v1.SCHEMA_VERSION,
        "Content-Disposition": (
            f'attachment; filename="{name}-{csv_v1.SCHEMA_VERSION}.csv"'
        ),
    }
    if coverage_gaps:
        headers["X-Coverage-Gaps"] = ",".join(
            f"{gap.first_date}..{gap.last_date}" for gap in coverage_gaps
        )
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )
