"""Reading a row's attributes with field-level contract diagnostics (SPEC R7).

A mapper reads every field it needs through a `FieldReader`; a required field that
is missing or unreadable becomes one diagnostic naming the record type, the field,
the reason and the row, and the mapper then reports the row as a contract violation
instead of mapping it half.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TypeVar

from flexledger.domain.canonical import SourceRow
from flexledger.domain.diagnostics import Diagnostic, DiagnosticCode, Severity
from flexledger.domain.money import MONEY, DecimalScale
from flexledger.mapping.registry import Outcome, RowResult
from flexledger.mapping.values import (
    FieldError,
    clean_text,
    parse_date,
    parse_decimal,
    parse_instant,
    parse_scaled_decimal,
)

_T = TypeVar("_T")
_MISSING_HINT = (
    "In Client Portal, edit the Flex Query and select all fields of this section."
)


class FieldReader:
    """Typed access to one row's attributes; problems are collected, not raised."""

    def __init__(self, row: SourceRow, record_type: str) -> None:
        self._row = row
        self._attrs = row.attrs  # read a dozen times per row
        self._record_type = record_type
        self.problems: list[Diagnostic] = []

    @property
    def ok(self) -> bool:
        """No required field was missing or unreadable."""
        return not self.problems

    def text(self, name: str, *, required: bool = False) -> str | None:
        """The trimmed text, None for absent values (`""`, `-`, `--`, `N/A`…)."""
        value = clean_text(self._attrs.get(name))
        if value is None and required:
            self._missing(name)
        return value

    def decimal(
        self, name: str, *, required: bool = False, scale: DecimalScale = MONEY
    ) -> Decimal | None:
        """The exact decimal; thousands separators allowed.

        A value that does not fit `scale`, the column it is stored in (money and
        quantities by default), is unreadable like any other bad number.
        """
        return self._read(name, partial(parse_decimal, scale=scale), required)

    def scaled(
        self, name: str, *, required: bool = False, scale: DecimalScale = MONEY
    ) -> Decimal | None:
        """The decimal as its column stores it: `decimal`, rounded half-even.

        What a mapper stores for most amounts; reading it so rounds only once.
        """
        # `_read` inlined: nine amounts per trade, and building a partial for each
        # cost a third of the read.
        try:
            value = parse_scaled_decimal(self._attrs.get(name), scale)
        except FieldError as exc:
            self._unreadable(name, exc)
            return None
        if value is None and required:
            self._missing(name)
        return value

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        """The business date (`yyyyMMdd`, `yyyy-MM-dd`…)."""
        return self._read(name, parse_date, required)

    def _read(
        self, name: str, parse: Callable[[str | None], _T | None], required: bool
    ) -> _T | None:
        try:
            value = parse(self._attrs.get(name))
        except FieldError as exc:
            self._unreadable(name, exc)
            return None
        if value is None and required:
            self._missing(name)
        return value

    def instant(self, name: str, timezone: str) -> dt.datetime | None:
        """The UTC instant, None when absent or only a date (never invented)."""
        try:
            return parse_instant(self._attrs.get(name), timezone)
        except FieldError as exc:
            self._unreadable(name, exc)
            return None

    def require(self, name: str, reason: str, *, hint: str | None = None) -> None:
        """Record a rule a required field broke (e.g. no usable timestamp)."""
        self._problem(name, reason, hint)

    def contract_violation(self) -> RowResult:
        """The row's result when a required field failed."""
        return RowResult(Outcome.CONTRACT, diagnostics=list(self.problems))

    def _missing(self, name: str) -> None:
        self._problem(name, "is missing or empty", _MISSING_HINT)

    def _unreadable(self, name: str, exc: FieldError) -> None:
        # Optional fields too: a value that is there but unreadable is never guessed,
        # since a wrong number is worse than none.
        self._problem(name, exc.reason, exc.hint)

    def _problem(self, name: str, reason: str, hint: str | None) -> None:
        row = self._row
        self.problems.append(
            Diagnostic(
                code=DiagnosticCode.CONTRACT,
                severity=Severity.ERROR,
                message=f"{self._record_type} {row.source_row_ref}: {name} {reason}",
                section_name=row.section_name,
                source_row_ref=row.source_row_ref,
                raw_record_id=str(row.raw_record_id),
                field=name,
                reason=reason,
                hint=hint,
            )
        )
