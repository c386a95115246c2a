"""CorporateActions rows → one canonical leg per row (SPEC §10, D-1, D-3).

Legs of one action share `actionID`; each has its own `transactionID` and often its
own conid. Whether an action can be applied without a person is decided here from
its reorg code and, for splits and identity changes, from the ratio written in the
description ("SPLIT 4 FOR 1"); the ledger checks the leg quantities against the
position. An `IC` whose legs move to a new conid also links the two instruments.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from flexledger.domain.canonical import (
    CorpActionLeg,
    InstrumentLink,
    Provenance,
    SourceRow,
    event_id_for,
    instrument_id_for,
)
from flexledger.domain.events import EventKind
from flexledger.domain.ids import natural_key_id
from flexledger.domain.money import money_or_none
from flexledger.mapping.fields import FieldReader
from flexledger.mapping.instruments import facts_from_row
from flexledger.mapping.registry import (
    MappingContext,
    Outcome,
    RouteKey,
    RowResult,
    unmapped,
)

AUTOMATIC = frozenset({"CD", "CP", "FA"})
# Automatic only when one ratio fits the description (and, in the ledger, the legs).
IF_UNAMBIGUOUS = frozenset({"FS", "FI", "RS", "SD", "IC"})
_RATIO = re.compile(r"(\d+(?:\.\d+)?)\s+FOR\s+(\d+(?:\.\d+)?)", re.IGNORECASE)
_MISSING_TYPE_HINT = (
    "In Client Portal, edit the Flex Query and select every Corporate Actions field "
    "(older exports lack `type`)."
)


def ratio_of(description: str | None) -> tuple[Decimal, Decimal] | None:
    """(new, old) from "… n FOR m …" when the description holds exactly one ratio."""
    if not description:
        return None
    found = _RATIO.findall(description)
    if len(found) != 1:
        return None
    new, old = (Decimal(part) for part in found[0])
    return (new, old) if new > 0 and old > 0 else None


class CorporateActionMapper:
    """`CorporateActions` rows."""

    handles: tuple[RouteKey, ...] = (("CorporateActions", None),)

    def map_row(self, row: SourceRow, context: MappingContext) -> RowResult:
        """One leg per row; its manual flag from the tier table."""
        if row.row_tag != "CorporateAction":
            return unmapped(
                row, f"CorporateActions row <{row.row_tag}> is not an action leg"
            )
        level = (row.attrs.get("levelOfDetail") or "DETAIL").strip().upper()
        if level == "SUMMARY":
            return unmapped(row, "summary corporate-action rows repeat the legs")
        fields = FieldReader(row, "CorporateAction")
        code = fields.text("type")
        if code is None:
            fields.require("type", "is missing or empty", hint=_MISSING_TYPE_HINT)
        conid = fields.text("conid", required=True)
        report_date = fields.date("reportDate", required=True)
        action_id = fields.text("actionID")
        transaction_id = fields.text("transactionID")
        if action_id is None and transaction_id is None:
            fields.require("actionID", "and transactionID are both missing")
        quantity = fields.decimal("quantity")
        amount = fields.decimal("amount")
        proceeds = fields.decimal("proceeds")
        if not fields.ok or code is None or conid is None or report_date is None:
            return fields.contract_violation()
        description = fields.text("description") or fields.text("actionDescription")
        manual = not _automatic(code.upper(), description)
        key = (row.account_id, action_id, conid, transaction_id)
        leg = CorpActionLeg(
            event_id=event_id_for(EventKind.CORP_ACTION, key),
            account_id=row.account_id,
            instrument_id=instrument_id_for(row.account_id, conid),
            conid=conid,
            action_id=action_id,
            transaction_id=transaction_id,
            reorg_code=code.upper(),
            report_date_local=report_date,
            description=description,
            requires_manual=manual,
            provisional=manual,
            quantity=money_or_none(quantity),
            amount=money_or_none(amount),
            proceeds=money_or_none(proceeds),
            currency=fields.text("currency"),
            manual_case_id=None,  # set once every leg of the action is known
            source=Provenance.of(row),
        )
        # Legs write temporary lines (XYZ.OLD, XYZ.TEN) as symbols: not aliases.
        facts = facts_from_row(row, with_symbol=False)
        return RowResult(
            Outcome.MAPPED, events=[leg], instruments=[facts] if facts else []
        )


def _automatic(code: str, description: str | None) -> bool:
    if code in AUTOMATIC:
        return True
    if code in IF_UNAMBIGUOUS:
        return code == "IC" or ratio_of(description) is not None
    return False


def settle_actions(
    legs: Sequence[CorpActionLeg],
) -> tuple[list[CorpActionLeg], list[InstrumentLink]]:
    """Decide, per action, what needs every leg: `IC` conid moves and their links.

    An `IC` that keeps its conid is an alias update (automatic). One that moves to a
    new conid is automatic only as a 1:1 move — one leg out of the old conid, one
    into the new, equal and opposite quantities — and then links the instruments;
    anything else is manual.
    """
    by_action: dict[str, list[CorpActionLeg]] = defaultdict(list)
    for leg in legs:
        if leg.action_id is not None and leg.reorg_code == "IC":
            by_action[leg.action_id].append(leg)
    decided: dict[uuid.UUID, CorpActionLeg] = {}
    links: list[InstrumentLink] = []
    for action_id, action_legs in sorted(by_action.items()):
        conids = {leg.conid for leg in action_legs}
        if len(conids) == 1:
            continue
        move = _one_to_one_move(action_legs)
        if move is None:
            for leg in action_legs:
                decided[leg.event_id] = replace(
                    leg, requires_manual=True, provisional=True
                )
            continue
        old, new = move
        links.append(
            InstrumentLink(
                account_id=old.account_id,
                from_conid=old.conid,
                to_conid=new.conid,
                action_id=action_id,
                reorg_code=old.reorg_code,
                report_date_local=old.report_date_local,
                source=new.source,
            )
        )
    return [decided.get(leg.event_id, leg) for leg in legs], links


def _one_to_one_move(
    legs: Iterable[CorpActionLeg],
) -> tuple[CorpActionLeg, CorpActionLeg] | None:
    outgoing = [leg for leg in legs if leg.quantity is not None and leg.quantity < 0]
    incoming = [leg for leg in legs if leg.quantity is not None and leg.quantity > 0]
    if len(outgoing) != 1 or len(incoming) != 1:
        return None
    old, new = outgoing[0], incoming[0]
    if old.conid == new.conid or old.quantity != -(new.quantity or 0):
        return None
    return old, new


def case_id_for(leg: CorpActionLeg) -> uuid.UUID:
    """The manual case a leg belongs to: one per action (or per leg without one)."""
    if leg.action_id is not None:
        return natural_key_id("corp_action_case", leg.account_id, leg.action_id)
    return natural_key_id(
        "corp_action_case", leg.account_id, None, leg.conid, leg.transaction_id
    )


def assign_cases(legs: Sequence[CorpActionLeg]) -> list[CorpActionLeg]:
    """Legs that need a person point at their action's case; the others at none."""
    return [
        replace(leg, manual_case_id=case_id_for(leg) if leg.requires_manual else None)
        for leg in legs
    ]
