"""Importing statements into raw storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from flexledger.config import Settings, load_settings
from flexledger.db.database import Database
from flexledger.db.repositories.raw import RawRepository
from flexledger.db.repositories.runs import RunRepository
from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    AccountRow,
    IngestionRunRow,
    RawArtifactRow,
    RawRecordRow,
)
from flexledger.domain.clock import utc_now
from flexledger.domain.errors import RunAlreadyActiveError
from flexledger.domain.runs import IngestionRun, RunStatus, RunType
from flexledger.jobs.fresh_rows import FreshRows
from flexledger.jobs.ingest import (
    IngestOptions,
    IngestOutcome,
    Payload,
    ingest_payload,
    read_payload_file,
)
from flexledger.jobs.timeline import Timeline
from tests.fixtures.flex_files import (
    ALL_FIXTURES,
    BASE_CURRENCY_CONFLICT,
    FLEX_DIR,
    NOT_WELL_FORMED,
    count_rows,
)

ALLOW = IngestOptions(allow_missing_sections=True)
COMPLETE = FLEX_DIR / "clifton__ib-flex__activity_daily_portfolio.xml"
MINIMAL = FLEX_DIR / "clifton__ib-flex__activity_minimal.xml"
MULTI_ACCOUNT = (
    FLEX_DIR / "portfolio-performance__portfolio__testIBFlexStatementFile26.xml"
)
EUR_BASE = FLEX_DIR / "portfolio-performance__portfolio__testIBFlexStatementFile02.xml"


def _settings(**overrides: Any) -> Settings:
    return load_settings(_env_file=None, **overrides)


def _ingest(
    database: Database, path: Path, options: IngestOptions = ALLOW, **settings: Any
) -> IngestOutcome:
    return ingest_payload(
        database, _settings(**settings), read_payload_file(path), options
    )


def _raw_state(database: Database) -> str:
    """A hash over every raw row and the account: 'nothing stored changed'."""
    with database.unit_of_work() as uow:
        artifacts = uow.session.execute(
            select(
                RawArtifactRow.payload_sha256, RawArtifactRow.source_payload
            ).order_by(RawArtifactRow.payload_sha256)
        ).all()
        records = uow.session.execute(
            select(
                RawRecordRow.section_name,
                RawRecordRow.source_row_ref,
                RawRecordRow.source_payload,
            ).order_by(RawRecordRow.section_name, RawRecordRow.source_row_ref)
        ).all()
        accounts = uow.session.execute(
            select(AccountRow.account_id, AccountRow.base_currency)
        ).all()
    digest = hashlib.sha256()
    for sha, payload in artifacts:
        digest.update(sha.encode() + hashlib.sha256(payload).digest())
    for section, ref, attrs in records:
        digest.update(f"{section}|{ref}|{json.dumps(attrs, sort_keys=True)}".encode())
    digest.update(repr(sorted(accounts)).encode())
    return digest.hexdigest()


def _record_count(database: Database) -> int:
    with database.unit_of_work() as uow:
        return len(uow.session.execute(select(RawRecordRow.raw_record_id)).all())


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda path: path.stem)
def test_every_public_fixture_imports_with_every_row_kept(
    database: Database, clean_env: Path, path: Path
) -> None:
    if path.name == NOT_WELL_FORMED:
        outcome = _ingest(database, path)
        assert outcome.run.status is RunStatus.FAILED
        assert outcome.run.error_code == "MALFORMED_STATEMENT"
        assert _record_count(database) == 0
        return
    expected = count_rows(path)
    # Files with several accounts or none need the account named.
    account = expected.accounts[0] if expected.accounts else "U0000000"
    outcome = _ingest(database, path, account_id=account)
    if path.name == BASE_CURRENCY_CONFLICT:
        assert outcome.run.error_code == "BASE_CURRENCY_MISMATCH"
        assert _record_count(database) == 0
        return
    assert outcome.succeeded, outcome.run.error_message
    wanted = expected.rows_by_account.get(account, 0) + expected.rows_by_account.get(
        None, 0
    )
    assert outcome.raw_record_count == wanted
    assert _record_count(database) == wanted
    with database.unit_of_work() as uow:
        artifact_id = uow.session.execute(
            select(RawArtifactRow.raw_artifact_id)
        ).scalar_one()
        stored = RawRepository(uow).get_payload(artifact_id)
    assert stored == path.read_bytes()  # byte for byte, BOM and all


def test_reimporting_the_same_payload_is_a_counted_no_op(
    database: Database, clean_env: Path
) -> None:
    first = _ingest(database, COMPLETE)
    before = _raw_state(database)
    second = _ingest(database, COMPLETE)
    assert first.succeeded
    assert second.succeeded
    assert first.raw_record_count == 30
    assert second.raw_artifact_deduplicated is True
    assert (second.raw_record_count, second.raw_record_deduplicated_count) == (0, 30)
    assert _raw_state(database) == before
    persist = next(e for e in second.run.diagnostics if e["stage"] == "persist")
    assert persist["details"]["raw_artifact_deduplicated"] is True
    assert persist["details"]["raw_record_deduplicated_count"] == 30


def test_records_carry_refs_sections_and_statement_dates(
    database: Database, clean_env: Path
) -> None:
    _ingest(database, COMPLETE)
    with database.unit_of_work() as uow:
        rows = uow.session.execute(select(RawRecordRow)).scalars().all()
        refs = {(row.section_name, row.source_row_ref) for row in rows}
        dates = {row.report_date_local for row in rows}
        accounts = {row.account_id for row in rows}
    assert ("AccountInformation", "AccountInformation:section:1") in refs
    assert any(ref.startswith("Trades:Trade:transactionID=") for _, ref in refs)
    assert any(ref.startswith("ConversionRates:ConversionRate:idx=") for _, ref in refs)
    assert {str(d) for d in dates} == {"2025-01-15"}
    assert accounts == {"U1234567"}


def test_missing_sections_fail_but_keep_the_payload_as_evidence(
    database: Database, clean_env: Path
) -> None:
    outcome = _ingest(database, MINIMAL, IngestOptions())
    assert outcome.run.status is RunStatus.FAILED
    assert outcome.run.error_code == "MISSING_REQUIRED_SECTION"
    assert "OpenPositions" in (outcome.run.error_message or "")
    preflight = next(e for e in outcome.run.diagnostics if e["stage"] == "preflight")
    assert preflight["status"] == "failed"
    assert "SecuritiesInfo" in preflight["details"]["missing_hard_required"]
    with database.unit_of_work() as uow:
        artifacts = uow.session.execute(select(RawArtifactRow.raw_artifact_id)).all()
    assert len(artifacts) == 1
    assert _record_count(database) == 0
    # The user then imports it on purpose: the rows arrive, the artifact is reused.
    allowed = _ingest(database, MINIMAL)
    assert allowed.succeeded
    assert allowed.raw_artifact_deduplicated is True
    assert allowed.raw_record_count == 1
    assert any("without required sections" in w for w in allowed.warnings)


def test_multi_account_file_needs_an_account(
    database: Database, clean_env: Path
) -> None:
    refused = _ingest(database, MULTI_ACCOUNT)
    assert refused.run.error_code == "ACCOUNT_MISMATCH"
    assert "U1234567, U1234568" in (refused.run.error_message or "")
    chosen = _ingest(database, MULTI_ACCOUNT, account_id="U1234568")
    assert chosen.succeeded
    assert any("U1234567" in w for w in chosen.warnings)
    with database.unit_of_work() as uow:
        accounts = uow.session.execute(
            select(AccountRow.account_id, AccountRow.base_currency)
        ).all()
    assert [tuple(row) for row in accounts] == [("U1234568", "EUR")]


def test_account_and_base_currency_are_fixed_by_the_first_import(
    database: Database, clean_env: Path
) -> None:
    assert _ingest(database, EUR_BASE).succeeded
    before = _raw_state(database)
    other_account = _ingest(database, FLEX_DIR / "OSadovy__uabean__beancount.xml")
    assert other_account.run.error_code == "ACCOUNT_MISMATCH"
    usd_statement = _ingest(database, COMPLETE)
    assert usd_statement.run.error_code == "BASE_CURRENCY_MISMATCH"
    assert "EUR" in (usd_statement.run.error_message or "")
    wrong_setting = _ingest(database, EUR_BASE, base_currency="USD")
    assert wrong_setting.run.error_code == "BASE_CURRENCY_MISMATCH"
    assert _raw_state(database) == before


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("truncated", COMPLETE.read_bytes()[:4000], "STATEMENT_TRUNCATED"),
        (
            "html",
            b"<!DOCTYPE html><html><body>We are sorry</body></html>",
            "NOT_A_FLEX_STATEMENT",
        ),
        ("csv", b'"ClientAccountID","Symbol"\n"U1","ACME"\n', "NOT_A_FLEX_STATEMENT"),
        ("empty", b"", "MALFORMED_STATEMENT"),
        (
            "malformed",
            b"<FlexQueryResponse><FlexStatements></FlexQueryResponse>",
            "MALFORMED_STATEMENT",
        ),
        (
            "billion_laughs",
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b"<FlexQueryResponse>&lol2;</FlexQueryResponse>",
            "UNSAFE_XML",
        ),
        (
            "external_entity",
            b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><FlexQueryResponse a="&x;"/>',
            "UNSAFE_XML",
        ),
        (
            "invalid_utf8",
            b'<FlexQueryResponse q="\xff\xfe"><FlexStatements/></FlexQueryResponse>',
            "MALFORMED_STATEMENT",
        ),
        (
            "envelope",
            b"<FlexStatementResponse><Status>Fail</Status><ErrorCode>1012</ErrorCode></FlexStatementResponse>",
            "NOT_A_FLEX_STATEMENT",
        ),
        (
            "no_statement",
            b"<FlexQueryResponse><FlexStatements count='0'/></FlexQueryResponse>",
            "INGESTION_CONTRACT_ERROR",
        ),
    ],
)
def test_bad_input_fails_the_run_and_changes_nothing(
    database: Database, clean_env: Path, name: str, body: bytes, code: str
) -> None:
    assert _ingest(database, COMPLETE).succeeded
    before = _raw_state(database)
    outcome = ingest_payload(
        database, _settings(), Payload.of_bytes(body, source="file", name=name), ALLOW
    )
    assert outcome.run.status is RunStatus.FAILED
    assert outcome.run.error_code == code
    assert outcome.run.error_message
    failed = outcome.run.diagnostics[-1]
    assert (failed["stage"], failed["status"]) == ("run", "failed")
    assert _raw_state(database) == before


def test_unknown_sections_and_attributes_are_kept_raw(
    database: Database, clean_env: Path
) -> None:
    body = COMPLETE.read_bytes().replace(
        b"<Trades>",
        b'<BrandNewSection><NewRow zeta="1" brandNewAttr="x"/></BrandNewSection><Trades>',
        1,
    )
    outcome = ingest_payload(
        database,
        _settings(),
        Payload.of_bytes(body, source="file", name="drift"),
        ALLOW,
    )
    assert outcome.succeeded
    with database.unit_of_work() as uow:
        attrs = uow.session.execute(
            select(RawRecordRow.source_payload).where(
                RawRecordRow.section_name == "BrandNewSection"
            )
        ).scalar_one()
    assert attrs == {"brandNewAttr": "x", "zeta": "1"}


def test_a_held_lock_refuses_a_second_run(database: Database, clean_env: Path) -> None:
    with database.run_lock(), pytest.raises(RunAlreadyActiveError) as caught:
        _ingest(database, COMPLETE)
    assert caught.value.message == "run already active"
    with database.unit_of_work() as uow:
        assert (
            uow.session.execute(select(IngestionRunRow.ingestion_run_id)).first()
            is None
        )


def test_a_run_left_started_by_a_dead_process_is_closed_by_the_next(
    database: Database, clean_env: Path
) -> None:
    with database.unit_of_work() as uow:
        stale = RunRepository(uow).start(
            account_id="U1234567",
            run_type=RunType.SCHEDULED,
            period_key="2026-01-01",
            flex_query_id="123",
            started_at=utc_now(),
        )
    outcome = _ingest(database, COMPLETE)
    assert outcome.succeeded
    with database.unit_of_work() as uow:
        closed = RunRepository(uow).get(stale.ingestion_run_id)
    assert closed.status is RunStatus.FAILED
    assert closed.error_code == "INGESTION_STALE_RUN"
    started = outcome.run.diagnostics[0]
    assert started["details"]["abandoned_run_ids"] == [str(stale.ingestion_run_id)]


def test_the_timeline_records_each_stage(database: Database, clean_env: Path) -> None:
    outcome = _ingest(database, COMPLETE)
    stages = [(e["stage"], e["status"]) for e in outcome.run.diagnostics]
    assert stages == [
        ("run", "started"),
        ("download", "completed"),
        ("preflight", "completed"),
        ("persist", "completed"),
        ("run", "success"),
    ]
    preflight = outcome.run.diagnostics[2]["details"]
    assert {f["code"] for f in preflight["query_findings"]} >= {
        "QUERY_CLOSED_LOTS_MISSING"
    }
    assert outcome.run.duration_ms is not None
    assert outcome.run.report_date_local is not None
    assert outcome.run.flex_query_id == "file:Daily Portfolio Feed"


def test_the_cycle_collector_pauses_from_the_persist_to_the_hooks_commit(
    database: Database, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A collection between the persist and the hooks walked every fresh row
    # kept for mapping; one after the hooks walked every fill kept for the
    # ledger. Each test point records whether the collector could run there.
    seen: list[tuple[str, bool]] = []
    monkeypatch.setattr(
        "flexledger.jobs.ingest.crashpoint",
        lambda name: seen.append((name, gc.isenabled())),
    )

    def hook(
        uow: UnitOfWork, run: IngestionRun, timeline: Timeline, fresh: FreshRows
    ) -> None:
        seen.append(("hook", gc.isenabled()))

    outcome = ingest_payload(
        database,
        _settings(),
        read_payload_file(COMPLETE),
        ALLOW,
        hooks=[hook],
    )
    assert outcome.succeeded
    points = dict(seen)
    paused = [
        "persist_batch",
        "before_persist_commit",
        "after_raw_commit",
        "hook",
        "before_status_write",
        "before_run_commit",
    ]
    assert {name: points[name] for name in paused} == dict.fromkeys(paused, False)
    assert points["after_run_commit"] is True
    assert gc.isenabled()
