"""Response shapes of the API (pydantic; `…Out` for responses, `…In` for bodies)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from flexledger.domain.cases import CaseStatus, CorpActionCase
from flexledger.web.api.listing import NO_NUL_PATTERN

_Item = TypeVar("_Item")


class PageInfoOut(BaseModel):
    """Where a list page sits (SPEC §12); `applied_limit` is after clamping."""

    limit: int
    offset: int
    returned: int
    total: int
    has_more: bool
    applied_limit: int


class SortOut(BaseModel):
    """The sort a list was answered in."""

    sort_by: str
    sort_dir: Literal["asc", "desc"]


class PageOut(BaseModel, Generic[_Item]):
    """The SPEC §12 list envelope: items, page, sort and the normalized filters."""

    items: list[_Item]
    page: PageInfoOut
    sort: SortOut
    filters: dict[str, Any]


class CoverageGapOut(BaseModel):
    """Business dates no imported statement covers."""

    first_date: dt.date
    last_date: dt.date
    day_count: int


class ReportCoverageOut(BaseModel):
    """Whether the report's range crosses coverage gaps (figures then miss them)."""

    crosses_gap: bool
    gaps: list[CoverageGapOut]


class ReportPageOut(PageOut[_Item], Generic[_Item]):
    """A report page: the list envelope plus the coverage gaps of its range."""

    coverage: ReportCoverageOut


class SchemaOut(BaseModel):
    """Where the database schema stands against this release."""

    current: str | None
    head: str
    at_head: bool


class HealthOut(BaseModel):
    """`GET /health`: ``ok`` only when the database answers and is at head."""

    status: Literal["ok", "degraded"]
    version: str
    database: Literal["ok", "unreachable"]
    # `schema` would shadow a BaseModel attribute; the JSON key is still `schema`.
    db_schema: SchemaOut | None = Field(default=None, serialization_alias="schema")
    reason: str | None = None


def _decimal_as_text(value: object) -> object:
    # SPEC §4: Decimal only. A JSON number reaches us as a float, maybe rounded.
    if not isinstance(value, str):
        raise ValueError('give decimals as JSON strings, e.g. "12.5"')
    return value


DecimalText = Annotated[
    Decimal,
    BeforeValidator(_decimal_as_text),
    WithJsonSchema({"type": "string", "examples": ["-10", "1001.5"]}),
]
"""A decimal given as a JSON string; numbers are refused."""


def _without_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000 (psycopg refuses the query: a 500), and
    # SQLite would keep it: refused up front, both databases answer alike.
    if "\x00" in value:
        raise ValueError("must not contain NUL (U+0000) characters")
    return value


Text = Annotated[
    str,
    AfterValidator(_without_nul),
    WithJsonSchema({"type": "string", "pattern": NO_NUL_PATTERN}),
]
"""Free text bound for the database: any string but one holding NUL."""

# Plain digits, never exponent notation ("0E-8"), as the CSV contract writes them.
DecimalOut = Annotated[
    Decimal, PlainSerializer(lambda value: format(value, "f"), return_type=str)
]


class CaseOut(BaseModel):
    """A corporate-action case (SPEC §10 fields, plus conid, symbol, adjustments)."""

    case_id: uuid.UUID
    action_id: str | None
    action_type: str
    instrument_id: uuid.UUID | None
    conid: str | None
    symbol: str | None
    status: CaseStatus
    owner: str | None
    resolution_note: str | None
    resolved_at_utc: dt.datetime | None
    quantity_adjustment: DecimalOut | None
    cost_adjustment: DecimalOut | None
    created_at_utc: dt.datetime
    updated_at_utc: dt.datetime

    @classmethod
    def of(cls, case: CorpActionCase) -> CaseOut:
        """The API shape of a case; the account stays internal (SCHEMA)."""
        return cls(
            case_id=case.case_id,
            action_id=case.action_id,
            action_type=case.action_type,
            instrument_id=case.instrument_id,
            conid=case.conid,
            symbol=case.symbol,
            status=case.status,
            owner=case.owner,
            resolution_note=case.resolution_note,
            resolved_at_utc=case.resolved_at,
            quantity_adjustment=case.quantity_adjustment,
            cost_adjustment=case.cost_adjustment,
            created_at_utc=case.created_at,
            updated_at_utc=case.updated_at,
        )


class InstrumentCasesOut(BaseModel):
    """An instrument a case touches, with the open cases left on it."""

    instrument_id: uuid.UUID
    unresolved_cases: int


class CaseChangeOut(BaseModel):
    """What resolving or dismissing a case changed."""

    case: CaseOut
    instruments: list[InstrumentCasesOut]


class CaseResolveIn(BaseModel):
    """`POST /corporate-actions/cases/{case_id}/resolve`; decimals as strings."""

    model_config = ConfigDict(extra="forbid")

    resolution_note: Text
    owner: Text | None = None
    quantity_adjustment: DecimalText | None = None
    cost_adjustment: DecimalText | None = None


class CaseDismissIn(BaseModel):
    """`POST /corporate-actions/cases/{case_id}/dismiss`; no adjustments."""

    model_config = ConfigDict(extra="forbid")

    resolution_note: Text
    owner: Text | None = None
