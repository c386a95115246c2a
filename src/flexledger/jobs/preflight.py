"""The required-section matrix (SPEC §6), checked per statement."""

from __future__ import annotations

from dataclasses import dataclass

from flexledger.domain.raw import StatementInfo
from flexledger.domain.sections import HARD_REQUIRED, RECONCILIATION_REQUIRED


@dataclass(frozen=True, slots=True)
class SectionCheck:
    """Which required sections the statements lack.

    A statement has a section when the element is there, even empty.

    Attributes:
        missing_hard_required: hard-required sections absent from any statement.
        missing_reconciliation_required: reconciliation sections absent.
        detected_sections: every section seen, sorted.
    """

    missing_hard_required: tuple[str, ...]
    missing_reconciliation_required: tuple[str, ...]
    detected_sections: tuple[str, ...]

    @property
    def missing_sections(self) -> tuple[str, ...]:
        """Both kinds, hard-required first."""
        return self.missing_hard_required + self.missing_reconciliation_required


def check_sections(statements: tuple[StatementInfo, ...]) -> SectionCheck:
    """Compare each statement's sections with the matrix."""
    detected: set[str] = set()
    missing_hard: set[str] = set()
    missing_reconciliation: set[str] = set()
    for statement in statements:
        present = set(statement.sections)
        detected |= present
        missing_hard |= set(HARD_REQUIRED) - present
        missing_reconciliation |= set(RECONCILIATION_REQUIRED) - present
    return SectionCheck(
        missing_hard_required=tuple(
            name for name in HARD_REQUIRED if name in missing_hard
        ),
        missing_reconciliation_required=tuple(
            name for name in RECONCILIATION_REQUIRED if name in missing_reconciliation
        ),
        detected_sections=tuple(sorted(detected)),
    )
