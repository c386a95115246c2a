"""Vocabulary of corporate-action manual cases (SPEC §10)."""

from __future__ import annotations

import enum


class CaseStatus(enum.StrEnum):
    """A case is open until a person resolves or dismisses it with a note."""

    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
