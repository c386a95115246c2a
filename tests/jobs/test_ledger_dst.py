"""Daily statements across DST switches, imported: snapshot dates end to end.

What the database path adds to tests/ledger/test_dst.py: mapping reads IBKR's
zone-less US Eastern `dateTime` (and `EDT`/`EST`-suffixed ones) into UTC, stores
`reportDate` verbatim, and the ledger stage dates snapshots by it. The rows come out
the same whether `BUSINESS_TIMEZONE` is Asia/Jerusalem or America/New_York, and a
full rebuild gives the rows the daily imports gave.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal

import pytest
from sqlalchemy import select

from flexledger.config import Settings, load_settings
from flexledger.db.database import Database
from flexledger.db.tables import EventTradeFillRow, InstrumentRow, PnlSnapshotDailyRow
from flexledger.jobs.ingest import IngestOptions, Payload, business_date, ingest_payload
from flexledger.jobs.reprocess import reprocess
from flexledger.jobs.stages import post_persist_stages
from tests.fixtures.registry import installed_registry

REGISTRY = installed_registry()
ZONES = ["Asia/Jerusalem", "America/New_York"]


def _statement(to_date: str, trades: list[str], positions: list[str]) -> bytes:
    return textwrap.dedent(
        f"""\
        <FlexQueryResponse queryName="q" type="AF"><FlexStatements count="1">
        <FlexStatement accountId="U7000001" fromDate="{to_date}" toDate="{to_date}">
        <AccountInformation accountId="U7000001" currency="USD"/>
        <Trades>{"".join(trades)}</Trades>
        <OpenPositions>{"".join(positions)}</OpenPositions>
        </FlexStatement></FlexStatements></FlexQueryResponse>
        """
    ).encode()


def _trade(
    conid: str, exec_id: str, date_time: str, report: str, qty: str, price: str
) -> str:
    side = "SELL" if qty.startswith("-") else "BUY"
    return (
        f'<Trade assetCategory="STK" conid="{conid}" symbol="S{conid}" '
        f'currency="USD" levelOfDetail="EXECUTION" transactionID="{exec_id[1:]}" '
        f'ibExecID="{exec_id}" dateTime="{date_time}" reportDate="{report}" '
        f'buySell="{side}" quantity="{qty}" tradePrice="{price}" fxRateToBase="1"/>'
    )


def _held(conid: str, report: str, position: str, mark: str) -> str:
    return (
        f'<OpenPosition assetCategory="STK" conid="{conid}" symbol="S{conid}" '
        f'currency="USD" reportDate="{report}" position="{position}" '
        f'markPrice="{mark}" levelOfDetail="SUMMARY"/>'
    )


# S1: New York springs forward on Sunday 03-09; S2: it falls back on Sunday 11-02.
STATEMENTS = [
    _statement(
        "20250307",
        [
            _trade("1", "E11", "20250307;155500", "20250307", "10", "100"),
            # 19:30 EST Friday = 00:30 UTC Saturday.
            _trade("1", "E12", "20250307;193000", "20250307", "5", "101"),
        ],
        [_held("1", "20250307", "15", "100.5")],
    ),
    _statement(
        "20250310",
        [
            _trade("1", "E13", "2025-03-10;04:30:00 EDT", "20250310", "-4", "102"),
            _trade("1", "E14", "20250310;155500", "20250310", "-3", "103"),
        ],
        [_held("1", "20250310", "8", "104")],
    ),
    _statement("20250311", [], [_held("1", "20250311", "8", "99")]),
    _statement(
        "20251031",
        [_trade("2", "E21", "20251031;155500", "20251031", "20", "50")],
        [_held("1", "20251031", "8", "100"), _held("2", "20251031", "20", "51")],
    ),
    _statement(
        "20251103",
        [
            # Sunday 21:30 EST overnight session = 02:30 UTC Monday, reported Monday.
            _trade("2", "E22", "20251102;213000", "20251103", "-5", "52"),
            _trade("2", "E23", "2025-11-03;09:30:00 EST", "20251103", "-5", "49"),
            # 19:45 EST Monday after-hours = 00:45 UTC Tuesday.
            _trade("2", "E24", "20251103;194500", "20251103", "2", "48"),
        ],
        [_held("1", "20251103", "8", "100"), _held("2", "20251103", "12", "47.5")],
    ),
    _statement(
        "20251104",
        [],
        [_held("1", "20251104", "8", "100"), _held("2", "20251104", "12", "50")],
    ),
]

EXECUTED = {
    "E11": dt.datetime(2025, 3, 7, 20, 55, tzinfo=dt.UTC),
    "E12": dt.datetime(2025, 3, 8, 0, 30, tzinfo=dt.UTC),
    "E13": dt.datetime(2025, 3, 10, 8, 30, tzinfo=dt.UTC),
    "E14": dt.datetime(2025, 3, 10, 19, 55, tzinfo=dt.UTC),
    "E21": dt.datetime(2025, 10, 31, 19, 55, tzinfo=dt.UTC),
    "E22": dt.datetime(2025, 11, 3, 2, 30, tzinfo=dt.UTC),
    "E23": dt.datetime(2025, 11, 3, 14, 30, tzinfo=dt.UTC),
    "E24": dt.datetime(2025, 11, 4, 0, 45, tzinfo=dt.UTC),
}

# (symbol, date, position, realized, unrealized, provisional), worked out in
# tests/ledger/test_dst.py (no commission here: lot 1 costs 100 a share, so
# 03-10 realizes 4 x 2 + 3 x 3 = 17 and leaves 3 x 100 + 5 x 101 = 805 open).
EXPECTED = [
    ("S1", "2025-03-07", "15", "0", "2.5", False),  # 1507.5 - 1505
    ("S1", "2025-03-10", "8", "17", "27", False),  # 832 - 805
    ("S1", "2025-03-11", "8", "17", "-13", False),  # 792 - 805
    ("S1", "2025-10-31", "8", "17", "-5", False),  # 800 - 805
    ("S1", "2025-11-03", "8", "17", "-5", False),
    ("S1", "2025-11-04", "8", "17", "-5", False),
    ("S2", "2025-10-31", "20", "0", "20", False),  # 1020 - 1000
    ("S2", "2025-11-03", "12", "5", "-26", False),  # 570 - 596
    ("S2", "2025-11-04", "12", "5", "4", False),  # 600 - 596
]


def _settings(zone: str) -> Settings:
    return load_settings(_env_file=None, business_timezone=zone)


def _import_all(database: Database, settings: Settings) -> None:
    for index, data in enumerate(STATEMENTS):
        outcome = ingest_payload(
            database,
            settings,
            Payload.of_bytes(data, source="file", name=f"daily-{index}.xml"),
            IngestOptions(allow_missing_sections=True),
            hooks=post_persist_stages(REGISTRY, settings),
        )
        assert outcome.succeeded, outcome.run.diagnostics[-1]


def _snapshot_rows(database: Database) -> list[tuple[str, str, str, str, str, bool]]:
    with database.unit_of_work() as uow:
        rows = uow.session.execute(
            select(
                InstrumentRow.symbol,
                PnlSnapshotDailyRow.report_date_local,
                PnlSnapshotDailyRow.position_qty,
                PnlSnapshotDailyRow.realized_pnl,
                PnlSnapshotDailyRow.unrealized_pnl,
                PnlSnapshotDailyRow.provisional,
            )
            .join(
                InstrumentRow,
                InstrumentRow.instrument_id == PnlSnapshotDailyRow.instrument_id,
            )
            .order_by(InstrumentRow.symbol, PnlSnapshotDailyRow.report_date_local)
        ).all()
    return [
        (symbol, day.isoformat(), _text(qty), _text(real), _text(unreal), provisional)
        for symbol, day, qty, real, unreal, provisional in rows
    ]


def _text(value: Decimal) -> str:
    return f"{value.normalize():f}"


@pytest.mark.parametrize("zone", ZONES)
def test_daily_imports_across_dst_snapshot_on_report_dates_in_any_business_zone(
    database: Database, zone: str
) -> None:
    settings = _settings(zone)
    _import_all(database, settings)
    with database.unit_of_work() as uow:
        executed = dict(
            uow.session.execute(
                select(
                    EventTradeFillRow.ib_exec_id, EventTradeFillRow.trade_timestamp_utc
                )
            ).all()
        )
    assert executed == EXECUTED
    rows = _snapshot_rows(database)
    # No snapshot on a weekend (03-08 and 11-01 are UTC dates of fills, 03-09 and
    # 11-02 the switches) and none twice: only statement and activity dates.
    assert rows == EXPECTED
    assert reprocess(database, settings, REGISTRY).succeeded
    assert _snapshot_rows(database) == rows


# The zone does decide the business date of an instant where SPEC §4 uses it (run
# period keys, fetch windows): 02:30 UTC on 11-03 is still the 2nd in New York.
@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (dt.datetime(2025, 11, 3, 2, 30, tzinfo=dt.UTC), "America/New_York", "11-02"),
        (dt.datetime(2025, 11, 3, 2, 30, tzinfo=dt.UTC), "Asia/Jerusalem", "11-03"),
        (dt.datetime(2025, 11, 3, 4, 59, tzinfo=dt.UTC), "America/New_York", "11-02"),
        (dt.datetime(2025, 11, 3, 5, 0, tzinfo=dt.UTC), "America/New_York", "11-03"),
        (dt.datetime(2025, 3, 10, 3, 59, tzinfo=dt.UTC), "America/New_York", "03-09"),
        (dt.datetime(2025, 3, 10, 4, 0, tzinfo=dt.UTC), "America/New_York", "03-10"),
        (dt.datetime(2025, 3, 27, 21, 59, tzinfo=dt.UTC), "Asia/Jerusalem", "03-27"),
        (dt.datetime(2025, 3, 27, 22, 0, tzinfo=dt.UTC), "Asia/Jerusalem", "03-28"),
        (dt.datetime(2025, 10, 25, 20, 59, tzinfo=dt.UTC), "Asia/Jerusalem", "10-25"),
        (dt.datetime(2025, 10, 25, 21, 0, tzinfo=dt.UTC), "Asia/Jerusalem", "10-26"),
        (dt.datetime(2025, 10, 26, 21, 59, tzinfo=dt.UTC), "Asia/Jerusalem", "10-26"),
        (dt.datetime(2025, 10, 26, 22, 0, tzinfo=dt.UTC), "Asia/Jerusalem", "10-27"),
    ],
)
def test_the_business_date_of_a_run_follows_the_zones_midnight(
    instant: dt.datetime, zone: str, expected: str
) -> None:
    assert business_date(instant, zone) == dt.date.fromisoformat(f"2025-{expected}")
