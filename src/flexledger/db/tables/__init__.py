"""ORM row classes, one module per aggregate; importing this package registers all."""

from flexledger.db.tables.accounts import AccountRow
from flexledger.db.tables.canonical import (
    EventSourceRow,
    InstrumentAliasRow,
    InstrumentLinkRow,
)
from flexledger.db.tables.data_versions import DataVersionRow
from flexledger.db.tables.events import (
    CorpActionCaseRow,
    EventCashflowRow,
    EventCorpActionRow,
    EventFxRow,
    EventTradeFillRow,
)
from flexledger.db.tables.flex_calls import FlexCallRow
from flexledger.db.tables.instruments import InstrumentRow
from flexledger.db.tables.labels import InstrumentLabelRow, LabelRow, NoteRow
from flexledger.db.tables.ledger import (
    LedgerCheckRow,
    LotClosureRow,
    PnlSnapshotDailyRow,
    PositionLotRow,
)
from flexledger.db.tables.raw import RawArtifactRow, RawRecordRow
from flexledger.db.tables.runs import IngestionRunRow

__all__ = [
    "AccountRow",
    "CorpActionCaseRow",
    "DataVersionRow",
    "EventCashflowRow",
    "EventCorpActionRow",
    "EventFxRow",
    "EventSourceRow",
    "EventTradeFillRow",
    "FlexCallRow",
    "IngestionRunRow",
    "InstrumentAliasRow",
    "InstrumentLabelRow",
    "InstrumentLinkRow",
    "InstrumentRow",
    "LabelRow",
    "LedgerCheckRow",
    "LotClosureRow",
    "NoteRow",
    "PnlSnapshotDailyRow",
    "PositionLotRow",
    "RawArtifactRow",
    "RawRecordRow",
]
