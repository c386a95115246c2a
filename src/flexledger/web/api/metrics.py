"""`GET /metrics`: the SPEC §15 SLO figures in the Prometheus text format.

The text is written here rather than by `prometheus_client`: the figures are not
process-local counters but a dozen aggregates read from the database on each
scrape (`jobs/metrics.py`), which is the part `prometheus_client` does not do —
it would take a custom collector for the same queries, plus the dependency and
its multiprocess-mode caveats under several workers, to print what the
exposition format (version 0.0.4: `# HELP`, `# TYPE`, `name{labels} value`)
already makes a few lines. Label values and help text are escaped as the format
requires.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from flexledger.jobs.metrics import MetricFamily, Sample, collect_metrics
from flexledger.web.deps import ContextDep
from flexledger.web.errors import SERVER_ERRORS, error_responses

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

router = APIRouter(tags=["health"])

_EXAMPLE = """\
# HELP flexledger_ingestion_last_success_timestamp_seconds When the last \
successful run ended, unix seconds (absent if none).
# TYPE flexledger_ingestion_last_success_timestamp_seconds gauge
flexledger_ingestion_last_success_timestamp_seconds 1764604800.0
"""


class _PrometheusResponse(PlainTextResponse):
    media_type = CONTENT_TYPE


@router.get(
    "/metrics",
    response_class=_PrometheusResponse,
    responses={
        200: {
            "description": "Prometheus text exposition format 0.0.4.",
            "content": {
                CONTENT_TYPE: {"schema": {"type": "string"}, "example": _EXAMPLE}
            },
        },
        # The route's text media type would otherwise be claimed for its errors,
        # which answer the JSON envelope like every other route's.
        **{
            status: {
                "description": entry.get("description", ""),
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorOut"}
                    }
                },
            }
            for status, entry in error_responses(*SERVER_ERRORS).items()
        },
    },
)
def metrics(context: ContextDep) -> _PrometheusResponse:
    """Ingestion runs, durations, freshness, raw rows, provisional and open cases.

    Aggregate queries only (no rows are loaded), so it is cheap to scrape every
    15 to 60 s. With `IBKR_FLEX_TOKEN_EXPIRES` set it also reports the token's days
    left.
    """
    families = collect_metrics(
        context.database, context.settings, version=context.version
    )
    return _PrometheusResponse(render(families))


def render(families: Iterable[MetricFamily]) -> str:
    """The text exposition of `families` (ends with a newline)."""
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.type}")
        lines.extend(_sample_line(family.name, sample) for sample in family.samples)
    return "\n".join(lines) + "\n"


def _sample_line(name: str, sample: Sample) -> str:
    labels = ""
    if sample.labels:
        labels = (
            "{"
            + ",".join(
                f'{key}="{_escape_label(value)}"' for key, value in sample.labels
            )
            + "}"
        )
    return f"{name}{sample.suffix}{labels} {_value(sample.value)}"


def _value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    # Integers print without ".0" (counts), other values as Python's shortest repr.
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
