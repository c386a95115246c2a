"""Bulk writes of raw records: a payload's rows, batch after batch, in one transaction.

A statement can hold hundreds of thousands of rows, so records skip the ORM:

* PostgreSQL: one `COPY … FROM STDIN` per payload; the server parses and indexes
  in its own process while the caller reads on.
* SQLite: multi-row `INSERT … VALUES (…), (…)` statements (db/bulk.SqliteRowsInsert),
  run by a worker thread. Thousands of rows per statement means SQLite does them
  in one step with the GIL released, so the caller keeps parsing on the other core
  meanwhile (a per-row `executemany` in a thread would wait for the GIL after
  every row). Binding the values costs SQLite half of what extracting them from
  one JSON text per batch did (`json_each`, which parsed each row's text once per
  column).

Attributes are stored as JSON with sorted keys (SPEC §5.3), encoded by orjson: its
output for string maps is the same text as `json.dumps(sort_keys=True,
ensure_ascii=False, separators=(",", ":"))`, several times faster.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import orjson

from flexledger.db.bulk import SqliteRowsInsert
from flexledger.domain.ids import OrderedIds
from flexledger.domain.raw import RawRecord

RECORD_COLUMNS = (
    "raw_record_id",
    "ingestion_run_id",
    "raw_artifact_id",
    "account_id",
    "period_key",
    "flex_query_id",
    "payload_sha256",
    "report_date_local",
    "section_name",
    "source_row_ref",
    "source_payload",
    "created_at_utc",
)
# Batches the SQLite worker may hold while the caller reads on: bounds memory.
_QUEUED_BATCHES = 2


@dataclass(frozen=True, slots=True)
class RecordGroup:
    """Records of one statement, with the statement facts they are stored with."""

    records: Sequence[RawRecord]
    report_date_local: dt.date | None
    account_id: str


@dataclass(frozen=True, slots=True)
class RecordTarget:
    """What every record of one write shares: its run and artifact."""

    ingestion_run_id: uuid.UUID
    raw_artifact_id: uuid.UUID
    period_key: str
    flex_query_id: str
    payload_sha256: str
    created_at_utc: dt.datetime


def encode_attributes(attrs: object) -> str:
    """The stored JSON text of a row's attributes (sorted keys, no spaces)."""
    return orjson.dumps(attrs, option=orjson.OPT_SORT_KEYS).decode()


class _Sink(Protocol):
    def write(self, group: RecordGroup, ids: list[str]) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


class RecordWriter:
    """Writes records in batches inside the caller's open transaction.

    Use as a context manager: leaving the block waits for every queued batch and
    raises the first error any of them met. Until then, the caller must not use the
    transaction's connection for anything else.
    """

    def __init__(self, driver: Any, dialect: str, target: RecordTarget) -> None:
        self._ids = OrderedIds()
        self._sink: _Sink = (
            _CopySink(driver, target)
            if dialect == "postgresql"
            else _SqliteSink(driver, target)
        )
        self.written = 0

    def write(self, group: RecordGroup) -> list[str]:
        """Queue a batch for insert; returns the ids its records are stored under."""
        count = len(group.records)
        if not count:
            return []
        ids = self._ids.take(count)
        self._sink.write(group, ids)
        self.written += count
        return ids

    def close(self) -> None:
        """Wait until every queued batch is written; raises the first write error."""
        self._sink.close()

    def abort(self) -> None:
        """Stop after a failure without waiting for errors (the caller rolls back)."""
        self._sink.abort()

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


class _CopySink:
    """One `COPY` for the whole payload, open from the first batch to `close`.

    The server parses and indexes rows as they arrive, in its own process, while
    the caller reads on: a COPY per batch would wait for the server at every end.
    """

    def __init__(self, driver: Any, target: RecordTarget) -> None:
        self._driver = driver
        self._constant = (
            target.ingestion_run_id,
            target.raw_artifact_id,
            target.period_key,
            target.flex_query_id,
            target.payload_sha256,
            target.created_at_utc,
        )
        self._open = ExitStack()
        self._copy: Any = None

    def write(self, group: RecordGroup, ids: list[str]) -> None:
        if self._copy is None:
            cursor = self._open.enter_context(self._driver.cursor())
            self._copy = self._open.enter_context(
                cursor.copy(f"COPY raw_record ({', '.join(RECORD_COLUMNS)}) FROM STDIN")
            )
        run, artifact, period, query, sha, created = self._constant
        account, report_date = group.account_id, group.report_date_local
        write_row = self._copy.write_row
        for row_id, record in zip(ids, group.records, strict=True):
            write_row(
                (
                    row_id,
                    run,
                    artifact,
                    account,
                    period,
                    query,
                    sha,
                    report_date,
                    record.section_name,
                    record.source_row_ref,
                    encode_attributes(record.attrs),
                    created,
                )
            )

    def close(self) -> None:
        """End the COPY: waits for the server, raises its error if it met one."""
        self._copy = None
        self._open.close()

    def abort(self) -> None:
        """End the COPY with a failure message; the caller rolls back."""
        self._copy = None
        failure = RuntimeError("the import stopped")
        self._open.__exit__(RuntimeError, failure, None)


class _SqliteSink:
    def __init__(self, driver: Any, target: RecordTarget) -> None:
        self._driver = driver
        self._insert = SqliteRowsInsert("raw_record", RECORD_COLUMNS, driver)
        # The stored forms SQLAlchemy's SQLite types read back: uuid hex and naive
        # UTC "YYYY-MM-DD HH:MM:SS.ffffff" (db/types.UtcDateTime).
        self._constant = (
            target.ingestion_run_id.hex,
            target.raw_artifact_id.hex,
            target.period_key,
            target.flex_query_id,
            target.payload_sha256,
            target.created_at_utc.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
        )
        self._batches: queue.Queue[list[tuple[Any, ...]] | None] = queue.Queue(
            maxsize=_QUEUED_BATCHES
        )
        self._error: BaseException | None = None
        self._worker = threading.Thread(
            target=self._run, name="flexledger-raw-writer", daemon=True
        )
        self._worker.start()

    def write(self, group: RecordGroup, ids: list[str]) -> None:
        self._raise_worker_error()
        run, artifact, period, query, sha, created = self._constant
        account = group.account_id
        report_date = group.report_date_local
        day = None if report_date is None else report_date.isoformat()
        dumps, sorted_keys = orjson.dumps, orjson.OPT_SORT_KEYS  # encode_attributes
        self._batches.put(
            [
                (
                    row_id,
                    run,
                    artifact,
                    account,
                    period,
                    query,
                    sha,
                    day,
                    record[1],  # section_name
                    record[3],  # source_row_ref
                    dumps(record[4], option=sorted_keys).decode(),  # attrs
                    created,
                )
                for row_id, record in zip(ids, group.records, strict=True)
            ]
        )

    def close(self) -> None:
        self._batches.put(None)
        self._worker.join()
        self._raise_worker_error()

    def abort(self) -> None:
        self._batches.put(None)
        self._worker.join()

    def _run(self) -> None:
        while (batch := self._batches.get()) is not None:
            if self._error is not None:
                continue  # drain, so the caller never blocks on a full queue
            try:
                for sql, params in self._insert.of(batch):
                    self._driver.execute(sql, params)
            except BaseException as exc:  # handed to the caller
                self._error = exc

    def _raise_worker_error(self) -> None:
        if self._error is not None:
            raise self._error
