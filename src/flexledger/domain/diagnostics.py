"""Diagnostics: what mapping (and later stages) say about a row, in words and codes."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    """How much a diagnostic matters."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class DiagnosticCode(enum.StrEnum):
    """Stable codes; the message says the rest."""

    # A row no mapper turns into an event: kept raw, counted (SPEC D-12).
    UNMAPPED = "mapping.unmapped"
    # A mapped row lacks a required field or has one that cannot be read (SPEC R7).
    CONTRACT = "mapping.contract"
    # Two rows give one corporate-action leg key different contents (SPEC §7.2).
    CORP_ACTION_KEY_CONFLICT = "CORP_ACTION_KEY_CONFLICT"
    # A cash type without a cash action of its own: mapped as OTHER, outside P&L.
    CASH_OTHER = "mapping.cash_other"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about one raw row.

    Attributes:
        code: what kind of finding.
        severity: error, warning or info.
        message: a sentence a person can act on.
        section_name: the row's section.
        source_row_ref: the row's reference within its payload.
        raw_record_id: the stored row, as text (None before the row is stored).
        field: the attribute concerned, for contract findings.
        reason: why the attribute could not be used.
        hint: what to change, when the user can fix it (e.g. a Flex setting).
    """

    code: DiagnosticCode
    severity: Severity
    message: str
    section_name: str
    source_row_ref: str
    raw_record_id: str | None = None
    field: str | None = None
    reason: str | None = None
    hint: str | None = None

    def as_json(self) -> dict[str, str]:
        """The diagnostic as a JSON object (absent values left out)."""
        body = {
            "code": self.code.value,
            "severity": self.severity.value,
            "message": self.message,
            "section_name": self.section_name,
            "source_row_ref": self.source_row_ref,
        }
        for name in ("raw_record_id", "field", "reason", "hint"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        return body
