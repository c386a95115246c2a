"""Instruments API: the list (search, label, open position) and one in full."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from flexledger.db.repositories.instruments import InstrumentFilter
from flexledger.jobs.instruments import get_instrument, list_instruments
from flexledger.web.api.instrument_schemas import InstrumentDetailOut, InstrumentOut
from flexledger.web.api.listing import (
    envelope,
    flag_param,
    id_param,
    list_params,
    parse_flag,
    parse_id,
    parse_list_query,
    parse_text,
    query_parameters,
    text_param,
)
from flexledger.web.api.schemas import PageOut
from flexledger.web.deps import ContextDep
from flexledger.web.errors import ID_ERRORS, QUERY_ERRORS, error_responses

# SPEC §12: the instruments resource and its list contract.
router = APIRouter(prefix="/instruments", tags=["instruments"])

INSTRUMENT_SORT_FIELDS = ("symbol", "conid", "updated_at_utc")
INSTRUMENT_DEFAULT_SORT = ("symbol", "asc")


@router.get(
    "",
    response_model=PageOut[InstrumentOut],
    openapi_extra=query_parameters(
        *list_params(INSTRUMENT_SORT_FIELDS),
        id_param("label_id", "Only instruments carrying this label."),
        text_param(
            "search", "Case-insensitive part of the symbol, description, ISIN or conid."
        ),
        flag_param("active_only", "Only instruments with an open position."),
    ),
    responses=error_responses(*QUERY_ERRORS),
)
def list_all(request: Request, context: ContextDep) -> dict[str, Any]:
    """Instruments by symbol by default; filters `label_id`, `search`, `active_only`."""
    params = request.query_params
    query = parse_list_query(
        params,
        context.settings,
        sort_fields=INSTRUMENT_SORT_FIELDS,
        default_sort=INSTRUMENT_DEFAULT_SORT,
    )
    label_id = parse_id(params, "label_id")
    search = parse_text(params, "search")
    active_only = parse_flag(params, "active_only") or False
    page = list_instruments(
        context.database,
        InstrumentFilter(label_id=label_id, search=search, active_only=active_only),
        sort_by=query.sort_by,
        sort_dir=query.sort_dir,
        limit=query.limit,
        offset=query.offset,
    )
    items = [InstrumentOut.of(i).model_dump(mode="json") for i in page.instruments]
    normalized = {
        "label_id": str(label_id) if label_id else None,
        "search": search,
        "active_only": active_only,
    }
    return envelope(items, page.total, query, normalized)


@router.get("/{instrument_id}", responses=error_responses(*ID_ERRORS))
def get_one(instrument_id: uuid.UUID, context: ContextDep) -> InstrumentDetailOut:
    """One instrument in full; 404 NOT_FOUND for an unknown id."""
    return InstrumentDetailOut.of(get_instrument(context.database, instrument_id))
