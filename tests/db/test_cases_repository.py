"""The case repository on both databases: list, get, resolve, dismiss, refusals."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from flexledger.db.database import Database
from flexledger.db.repositories.cases import CaseFilter, CaseRepository
from flexledger.domain.cases import CaseStatus, CorpActionCase
from flexledger.domain.errors import (
    CaseAlreadyClosedError,
    CaseNoteRequiredError,
    InvalidRequestError,
    NotFoundError,
)
from tests.fixtures.corporate import import_cases_statement, instrument_ids

CLOSED_AT = dt.datetime(2025, 2, 1, 12, 30, tzinfo=dt.UTC)


def _cases(database: Database) -> dict[str, CorpActionCase]:
    with database.unit_of_work() as uow:
        cases, _ = CaseRepository(uow).list_cases(CaseFilter())
    return {case.symbol or "": case for case in cases}


@pytest.fixture
def cases(database: Database) -> dict[str, CorpActionCase]:
    import_cases_statement(database)
    return _cases(database)


def test_mergers_open_one_case_each_with_their_instrument(
    database: Database, cases: dict[str, CorpActionCase]
) -> None:
    ids = instrument_ids(database)
    assert set(cases) == {"MRGR", "OTHR"}
    merger = cases["MRGR"]
    assert (merger.action_id, merger.action_type, merger.conid) == ("A2", "TC", "2002")
    assert merger.instrument_id == ids["MRGR"]
    assert merger.status is CaseStatus.OPEN
    assert merger.is_open
    assert (merger.resolution_note, merger.resolved_at) == (None, None)


def test_list_filters_sorts_and_pages(
    database: Database, cases: dict[str, CorpActionCase]
) -> None:
    with database.unit_of_work() as uow:
        repository = CaseRepository(uow)
        repository.dismiss(cases["OTHR"].case_id, note="no-op", closed_at=CLOSED_AT)
        open_cases, total = repository.list_cases(CaseFilter(status=CaseStatus.OPEN))
        assert total == 1
        assert [c.symbol for c in open_cases] == ["MRGR"]
        by_instrument, _ = repository.list_cases(
            CaseFilter(instrument_id=cases["OTHR"].instrument_id)
        )
        assert [c.symbol for c in by_instrument] == ["OTHR"]
        # `status` sorts as text: dismissed before open; the page has one row.
        page, total = repository.list_cases(
            CaseFilter(), sort_by="status", sort_dir="asc", limit=1
        )
        assert (total, [c.symbol for c in page]) == (2, ["OTHR"])
        rest, _ = repository.list_cases(
            CaseFilter(), sort_by="status", sort_dir="asc", limit=1, offset=1
        )
        assert [c.symbol for c in rest] == ["MRGR"]


def test_resolve_records_note_owner_time_and_exact_adjustments(
    database: Database, cases: dict[str, CorpActionCase]
) -> None:
    case_id = cases["MRGR"].case_id
    with database.unit_of_work() as uow:
        resolved = CaseRepository(uow).resolve(
            case_id,
            note="  5 new shares per 10, basis carried  ",
            closed_at=CLOSED_AT,
            owner="  dana ",
            quantity=Decimal("-10"),
            cost=Decimal("12345678901234.12345678"),
        )
    assert resolved.status is CaseStatus.RESOLVED
    assert resolved.resolution_note == "5 new shares per 10, basis carried"
    assert resolved.owner == "dana"
    assert resolved.resolved_at == CLOSED_AT
    assert resolved.updated_at == CLOSED_AT
    with database.unit_of_work() as uow:
        stored = CaseRepository(uow).get(case_id)
    assert stored == resolved
    assert stored.quantity_adjustment == Decimal("-10")
    assert stored.cost_adjustment == Decimal("12345678901234.12345678")


def test_dismiss_records_no_adjustments_and_keeps_the_owner_unless_given(
    database: Database, cases: dict[str, CorpActionCase]
) -> None:
    with database.unit_of_work() as uow:
        dismissed = CaseRepository(uow).dismiss(
            cases["OTHR"].case_id, note="cash only", closed_at=CLOSED_AT, owner=" "
        )
    assert dismissed.status is CaseStatus.DISMISSED
    assert dismissed.owner is None
    assert (dismissed.quantity_adjustment, dismissed.cost_adjustment) == (None, None)


@pytest.mark.parametrize("note", ["", "   ", "\n\t"])
def test_a_case_is_closed_only_with_a_note(
    database: Database, cases: dict[str, CorpActionCase], note: str
) -> None:
    case_id = cases["MRGR"].case_id
    with pytest.raises(CaseNoteRequiredError) as caught, database.unit_of_work() as uow:
        CaseRepository(uow).resolve(case_id, note=note, closed_at=CLOSED_AT)
    assert caught.value.code == "CASE_NOTE_REQUIRED"
    with database.unit_of_work() as uow:
        assert CaseRepository(uow).get(case_id).is_open


def test_a_closed_case_stays_closed(
    database: Database, cases: dict[str, CorpActionCase]
) -> None:
    case_id = cases["MRGR"].case_id
    with database.unit_of_work() as uow:
        CaseRepository(uow).dismiss(case_id, note="first", closed_at=CLOSED_AT)
    later = CLOSED_AT + dt.timedelta(days=1)
    with (
        pytest.raises(CaseAlreadyClosedError, match="already dismissed"),
        database.unit_of_work() as uow,
    ):
        CaseRepository(uow).resolve(case_id, note="second", closed_at=later)
    with database.unit_of_work() as uow:
        stored = CaseRepository(uow).get(case_id)
    assert (stored.status, stored.resolution_note) == (CaseStatus.DISMISSED, "first")
    assert stored.resolved_at == CLOSED_AT


def test_an_unknown_case_is_not_found(database: Database) -> None:
    missing = uuid.uuid4()
    with database.unit_of_work() as uow:
        repository = CaseRepository(uow)
        assert repository.find(missing) is None
        with pytest.raises(NotFoundError) as caught:
            repository.get(missing)
        with pytest.raises(NotFoundError):
            repository.dismiss(missing, note="x", closed_at=CLOSED_AT)
    assert caught.value.code == "NOT_FOUND"


@pytest.mark.parametrize(
    "value", [Decimal("1e20"), Decimal("NaN"), Decimal("-Infinity")]
)
def test_an_adjustment_must_fit_the_column(
    database: Database, cases: dict[str, CorpActionCase], value: Decimal
) -> None:
    with pytest.raises(InvalidRequestError) as caught, database.unit_of_work() as uow:
        CaseRepository(uow).resolve(
            cases["MRGR"].case_id, note="x", closed_at=CLOSED_AT, cost=value
        )
    assert caught.value.code == "INVALID_ADJUSTMENT"


def test_instruments_of_a_case_and_open_counts(
    database: Database, cases: dict[str, CorpActionCase]
) -> None:
    ids = instrument_ids(database)
    with database.unit_of_work() as uow:
        repository = CaseRepository(uow)
        assert repository.instruments_of(cases["MRGR"].case_id) == {ids["MRGR"]}
        counts = repository.open_counts(ids.values())
        assert counts == {ids["SPLT"]: 0, ids["MRGR"]: 1, ids["OTHR"]: 1}
        repository.resolve(cases["MRGR"].case_id, note="done", closed_at=CLOSED_AT)
        assert repository.open_counts([ids["MRGR"]]) == {ids["MRGR"]: 0}
