"""Corporate-action manual cases (SPEC §10): their vocabulary and closing rules."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from decimal import Decimal

from flexledger.domain.errors import CaseNoteRequiredError, InvalidRequestError
from flexledger.domain.money import (
    MONEY,
    QUANTITY,
    DecimalOutOfRangeError,
    DecimalScale,
    to_scale,
)

INVALID_ADJUSTMENT = "INVALID_ADJUSTMENT"


class CaseStatus(enum.StrEnum):
    """A case is open until a person resolves or dismisses it with a note."""

    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class CorpActionCase:
    """One manual case, as stored, with the instrument it names.

    Attributes:
        case_id: UUIDv5 over the action's key (mapping/corporate_actions.py).
        account_id: the ledger's account (never shown in the API).
        action_id: IBKR's `actionID`, None for cases opened from the fallback key.
        action_type: the reorg code, e.g. ``TC``.
        instrument_id: the instrument of the action's first leg, if it has one.
        conid: that instrument's conid.
        symbol: that instrument's symbol.
        status: open, resolved or dismissed.
        owner: who took the case, if anyone said.
        resolution_note: why it was closed; set whenever it is not open.
        resolved_at: when it was closed.
        quantity_adjustment: the quantity change a resolution recorded.
        cost_adjustment: the cost-basis change a resolution recorded.
        created_at: when the case was opened.
        updated_at: when the case last changed.
    """

    case_id: uuid.UUID
    account_id: str
    action_id: str | None
    action_type: str
    instrument_id: uuid.UUID | None
    conid: str | None
    symbol: str | None
    status: CaseStatus
    owner: str | None
    resolution_note: str | None
    resolved_at: dt.datetime | None
    quantity_adjustment: Decimal | None
    cost_adjustment: Decimal | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def is_open(self) -> bool:
        """Whether the case still waits for a person."""
        return self.status is CaseStatus.OPEN


def closing_note(note: str | None) -> str:
    """The note a case is closed with, trimmed.

    Raises:
        CaseNoteRequiredError: the note is missing or blank.
    """
    text = (note or "").strip()
    if not text:
        raise CaseNoteRequiredError()
    return text


def closing_owner(owner: str | None) -> str | None:
    """The owner trimmed; blank means "not given"."""
    text = (owner or "").strip()
    return text or None


def quantity_adjustment(value: Decimal | None) -> Decimal | None:
    """A quantity adjustment at the stored scale (``numeric(24,8)``).

    Raises:
        InvalidRequestError: INVALID_ADJUSTMENT, not finite or too large.
    """
    return _adjustment(value, QUANTITY, "quantity_adjustment")


def cost_adjustment(value: Decimal | None) -> Decimal | None:
    """A cost-basis adjustment at the stored scale (``numeric(24,8)``).

    Raises:
        InvalidRequestError: INVALID_ADJUSTMENT, not finite or too large.
    """
    return _adjustment(value, MONEY, "cost_adjustment")


def _adjustment(
    value: Decimal | None, scale: DecimalScale, name: str
) -> Decimal | None:
    if value is None:
        return None
    try:
        return to_scale(value, scale)
    except DecimalOutOfRangeError:
        raise InvalidRequestError(
            f"{name} must be a finite decimal with at most "
            f"{scale.precision - scale.scale} digits before the point.",
            code=INVALID_ADJUSTMENT,
            fields=(name,),
        ) from None
