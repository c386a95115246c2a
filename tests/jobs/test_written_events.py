"""The events mapping hands the ledger in memory are the events a read gives.

The ledger stage takes the run's touched instruments and its fills and cashflows
from what the mapping wrote (db/repositories/written_events.py) instead of reading
them back. Each must equal the database's answer exactly: the same instruments and
dates, the same records with the same Decimal digits, whatever was stored before.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.db.repositories.accounts import AccountRepository
from flexledger.db.repositories.canonical import CanonicalRepository
from flexledger.db.repositories.ledger import LedgerRepository
from flexledger.db.repositories.written_events import WrittenEvents
from flexledger.db.session import UnitOfWork
from flexledger.domain.events import EventKind
from flexledger.domain.runs import IngestionRun
from flexledger.jobs.fresh_rows import FreshRows
from flexledger.jobs.ingest import IngestOptions, Payload, ingest_payload
from flexledger.jobs.stages import post_persist_stages
from flexledger.jobs.timeline import Timeline
from flexledger.ledger.inputs import LedgerInputs
from tests.fixtures.flex_files import (
    IMPORTABLE_FIXTURES,
    count_rows,
    one_account_statement,
)
from tests.fixtures.registry import installed_registry

FILES = IMPORTABLE_FIXTURES


@dataclass
class _Compare:
    """Runs between mapping and ledger: the memory's answers beside the reads."""

    touched: list[tuple[dict[uuid.UUID, dt.date], dict[uuid.UUID, dt.date]]] = field(
        default_factory=list
    )
    inputs: list[tuple[LedgerInputs, LedgerInputs]] = field(default_factory=list)
    kept: list[LedgerInputs] = field(default_factory=list)

    def __call__(
        self, uow: UnitOfWork, run: IngestionRun, timeline: Timeline, fresh: FreshRows
    ) -> None:
        repository = LedgerRepository(uow)
        account = AccountRepository(uow).find()
        read_touched = repository.touched_by_run(run.ingestion_run_id)
        if fresh.written is None or account is None:
            # Mapping skipped (no new rows, no account): the ledger reads, and
            # there is nothing to read.
            assert read_touched == {}
            return
        self.touched.append((fresh.written.touched, read_touched))
        scope = repository.linked(
            set(fresh.written.touched) | repository.held(account.account_id)
        )
        args = (account.account_id, account.base_currency, scope)
        self.inputs.append(
            (repository.inputs(*args, fresh.written), repository.inputs(*args))
        )
        self.kept.append(
            LedgerInputs(
                fills=fresh.written.fills_of(account.account_id, scope),
                cash=fresh.written.cash_of(account.account_id, scope),
            )
        )


def _import(database: Database, path: Path, compare: _Compare, account: str) -> None:
    _import_bytes(database, path.read_bytes(), path.name, compare, account)


def _import_bytes(
    database: Database,
    data: bytes,
    name: str,
    compare: _Compare,
    account: str | None = None,
) -> None:
    settings = load_settings(_env_file=None, account_id=account)
    mapping, ledger = post_persist_stages(installed_registry(), settings)
    outcome = ingest_payload(
        database,
        settings,
        Payload.of_bytes(data, source="file", name=name),
        IngestOptions(allow_missing_sections=True),
        hooks=(mapping, compare, ledger),
    )
    assert outcome.succeeded, outcome.run.error_message


def _exact(inputs: LedgerInputs) -> list[list[str]]:
    # repr keeps what == hides: a Decimal's exponent, a datetime's zone.
    return [
        sorted(map(repr, inputs.fills)),
        sorted(map(repr, inputs.cash)),
    ]


def _assert_same(compare: _Compare) -> None:
    for from_memory, from_database in compare.touched:
        assert from_memory == from_database
    for memory_inputs, read_inputs in compare.inputs:
        assert _exact(memory_inputs) == _exact(read_inputs)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_what_mapping_hands_on_is_what_the_ledger_would_read(
    database: Database, clean_env: Path, path: Path
) -> None:
    accounts = count_rows(path).accounts
    compare = _Compare()
    _import(database, path, compare, accounts[0] if accounts else "U0000000")
    _assert_same(compare)
    # A first import's events are all there are: memory alone is the answer.
    for kept, (_, read) in zip(compare.kept, compare.inputs, strict=True):
        assert _exact(kept) == _exact(read)


def _trade(exec_id: str, conid: str, side: str, quantity: str, day: str) -> str:
    return (
        f'<Trade assetCategory="STK" conid="{conid}" symbol="S{conid}" currency="USD" '
        f'levelOfDetail="EXECUTION" transactionID="{exec_id[1:]}" ibExecID="{exec_id}" '
        f'dateTime="{day};100000" reportDate="{day}" buySell="{side}" '
        f'quantity="{quantity}" tradePrice="10.5" ibCommission="-1.25"/>'
    )


def _dividend(transaction_id: str, conid: str, day: str) -> str:
    return (
        f'<CashTransaction levelOfDetail="DETAIL" conid="{conid}" symbol="S{conid}" '
        f'currency="USD" transactionID="{transaction_id}" type="Dividends" '
        f'amount="2.5" reportDate="{day}" dateTime="{day};202000"/>'
    )


def _statement_bytes(to_date: str, trades: list[str], cash: list[str]) -> bytes:
    rows = f"<Trades>{''.join(trades)}</Trades>"
    rows += f"<CashTransactions>{''.join(cash)}</CashTransactions>"
    return one_account_statement(to_date, rows)


def test_a_second_statement_of_the_same_instruments_reads_the_older_events(
    database: Database, clean_env: Path
) -> None:
    # The second run's memory holds only its own events; the first run's fill and
    # dividend of instrument 3001 are stored, so the ledger must read them.
    first = _statement_bytes(
        "20250103",
        [_trade("E1", "3001", "BUY", "10", "20250102")],
        [_dividend("91", "3001", "20250103")],
    )
    second = _statement_bytes(
        "20250110",
        [
            _trade("E2", "3001", "SELL", "-4", "20250108"),
            _trade("E3", "3002", "BUY", "5", "20250108"),
        ],
        [_dividend("92", "3001", "20250109")],
    )
    compare = _Compare()
    for name, data in (("first.xml", first), ("second.xml", second)):
        _import_bytes(database, data, name, compare)
    _assert_same(compare)
    (_, first_read), (_, second_read) = compare.inputs
    assert len(first_read.fills) == 1
    assert len(second_read.fills) == 3
    assert len(second_read.cash) == 2
    # What the second run kept is its own two fills and one dividend.
    assert len(compare.kept[1].fills) == 2
    assert len(compare.kept[1].cash) == 1


def test_written_events_missing_a_stored_fill_are_not_trusted(
    database: Database, clean_env: Path
) -> None:
    path = next(p for p in FILES if count_rows(p).accounts)
    account = count_rows(path).accounts[0]
    _import(database, path, _Compare(), account)
    with database.unit_of_work() as uow:
        repository = LedgerRepository(uow)
        stored = AccountRepository(uow).find()
        assert stored is not None
        everything = repository.inputs(account, stored.base_currency, None)
        fills = CanonicalRepository(uow).stored_events(EventKind.TRADE_FILL)
        assert len(fills) >= 2, f"{path.name} has too few fills"
        partial = WrittenEvents()
        for values in list(fills.values())[1:]:  # one stored fill missing
            partial.add(EventKind.TRADE_FILL, values)
        scope = {fill.instrument_id for fill in everything.fills}
        assert partial.fills_of(account, scope), "the partial set holds fills"
        read = repository.inputs(account, stored.base_currency, scope, partial)
    assert sorted(map(repr, read.fills)) == sorted(map(repr, everything.fills))
