"""Statement sections aggregated from raw rows, and the artifact's stored bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flexledger.db.database import Database
from flexledger.db.repositories.coverage import CoverageRepository
from tests.fixtures.coverage import CQUILLEN_DAILY, import_raw
from tests.fixtures.flex_files import one_account_statement

_ACCOUNT = "U7000001"


def test_sections_and_row_counts_per_statement(
    database: Database, clean_env: Path
) -> None:
    rows = (
        "<Trades></Trades><OpenPositions/>"
        '<CashTransactions><CashTransaction transactionID="1"/>'
        '<CashTransaction transactionID="2"/></CashTransactions>'
    )
    import_raw(database, one_account_statement("20250110", rows), "a.xml")
    import_raw(database, one_account_statement("20250113", "<Trades/>"), "b.xml")

    with database.unit_of_work() as uow:
        repository = CoverageRepository(uow)
        found = repository.statements(_ACCOUNT)
        later = repository.statements(_ACCOUNT, to_date_from=dt.date(2025, 1, 11))
        before = repository.has_statement_before(_ACCOUNT, dt.date(2025, 1, 11))
        none_before = repository.has_statement_before(_ACCOUNT, dt.date(2025, 1, 10))
        other_account = repository.statements("U0000000")

    assert [s.to_date for s in found] == [dt.date(2025, 1, 10), dt.date(2025, 1, 13)]
    # AccountInformation's attributes are a row; an attribute-less section is empty.
    assert found[0].sections == (
        ("AccountInformation", 1),
        ("CashTransactions", 2),
        ("OpenPositions", 0),
        ("Trades", 0),
    )
    assert found[1].sections == (("AccountInformation", 1), ("Trades", 0))
    assert found[0].raw_artifact_id != found[1].raw_artifact_id
    assert len(found[0].ingestion_run_ids) == 1
    assert [s.to_date for s in later] == [dt.date(2025, 1, 13)]
    assert (before, none_before) == (True, False)
    assert other_account == []


def test_repeated_empty_sections_of_one_file_stay_per_statement(
    database: Database, clean_env: Path
) -> None:
    # 128 empty CashTransactions in one artifact: refs ...:section:1, #2, … #128.
    import_raw(database, CQUILLEN_DAILY.read_bytes(), CQUILLEN_DAILY.name)

    with database.unit_of_work() as uow:
        found = CoverageRepository(uow).statements("U1234567")

    assert len(found) == 128
    counts = [dict(s.sections)["CashTransactions"] for s in found]
    assert counts.count(0) == 125
    assert counts.count(1) == 3


def test_the_payload_stream_is_the_exact_bytes(
    database: Database, clean_env: Path
) -> None:
    import_raw(database, CQUILLEN_DAILY.read_bytes(), CQUILLEN_DAILY.name)

    with database.unit_of_work() as uow:
        repository = CoverageRepository(uow)
        (artifact_id,) = {s.raw_artifact_id for s in repository.statements("U1234567")}
        with repository.payload_stream(artifact_id) as stream:
            data = stream.read()

    assert data == CQUILLEN_DAILY.read_bytes()
