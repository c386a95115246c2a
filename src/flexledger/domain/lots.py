"""Vocabulary of position lots (SCHEMA position_lot)."""

from __future__ import annotations

import enum


class LotStatus(enum.StrEnum):
    """Whether a lot still holds quantity."""

    OPEN = "open"
    CLOSED = "closed"


class LotDirection(enum.StrEnum):
    """Long lots are opened by buys, short lots by sells to open."""

    LONG = "long"
    SHORT = "short"
