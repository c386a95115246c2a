"""Build the demo: a fresh SQLite database holding the imported sample account.

Steps: write the sample statements into `<data dir>/statements/`, create and
migrate `<data dir>/flexledger.sqlite3`, import each statement as one run through
`jobs.ingest.ingest_payload` with the same post-persist stages `flexledger import`
uses, then create labels, assign them and write notes through the jobs functions.
A marker file records that the folder holds a finished demo, so a second
`flexledger demo --data-dir DIR` reuses it instead of importing again, and a
folder holding another database is refused rather than touched.

The demo's settings are the environment's, except what would mix the demo with a
real account: the database, the data folder, the account, its base currency and
the Flex credentials (a demo must never fetch a real statement into itself).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flexledger.config import SQLITE_FILE_NAME, Settings, load_settings
from flexledger.db.database import Database
from flexledger.demo.flex_writer import file_name, statement_xml
from flexledger.demo.sample import (
    ACCOUNT_ID,
    BASE_CURRENCY,
    BY_SYMBOL,
    DEFAULT_SEED,
    MERGER_ACQUIRER,
    MERGER_TARGET,
    REVERSAL_SYMBOL,
    SHORT_SYMBOL,
    SPLIT_SYMBOL,
    SampleAccount,
    simulate,
)
from flexledger.domain.canonical import event_id_for, instrument_id_for
from flexledger.domain.errors import ConflictError, IngestionError
from flexledger.domain.events import CashAction, EventKind
from flexledger.domain.labels import EventRef, NoteTarget
from flexledger.jobs.ingest import IngestOptions, IngestOutcome, Payload, ingest_payload
from flexledger.jobs.labels import assign_label, create_label
from flexledger.jobs.notes import add_note
from flexledger.jobs.stages import post_persist_stages
from flexledger.mapping.registry import MapperRegistry

MARKER_FILE = "flexledger-demo.json"
STATEMENTS_DIR = "statements"

Report = Callable[[str], None]

# Labels: (name, color, members). Two labels may share an instrument on purpose:
# the by-label report counts such an instrument in each.
LABELS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Core", "#2f6f4f", ("BRDM", "HALC", "KSTL", "VELD", "TBU")),
    ("Dividend", "#b7791f", ("HALC", "KSTL", "VELD", "RMKA", "TBU")),
    ("Speculative", "#9b2c2c", ("NRTH", "PLSM", "ALBM", "ORBT")),
)


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What `build_demo` made (or found).

    Attributes:
        data_dir: the folder holding the database and the statements.
        settings: the settings to serve the demo with.
        reused: True when the folder held a finished demo already.
        runs: the import runs, oldest statement first (empty when reused).
        seconds: how long generating and importing took.
    """

    data_dir: Path
    settings: Settings
    reused: bool
    runs: tuple[IngestOutcome, ...] = ()
    seconds: float = 0.0


class DemoFolderInUseError(ConflictError):
    """The folder holds a database that is not a flexledger demo."""

    code = "DEMO_FOLDER_IN_USE"


class DemoImportError(IngestionError):
    """A sample statement did not import; the demo is incomplete."""

    code = "DEMO_IMPORT_FAILED"


def demo_settings(data_dir: Path) -> Settings:
    """The environment's settings, pointed at the demo folder and account.

    Raises:
        ConfigError: an environment setting the demo keeps is invalid.
    """
    return load_settings(
        database_url=f"sqlite:///{data_dir / SQLITE_FILE_NAME}",
        flexledger_data_dir=data_dir,
        account_id=ACCOUNT_ID,
        base_currency=BASE_CURRENCY,
        ibkr_flex_token=None,
        ibkr_flex_query_id=None,
    )


def write_statements(account: SampleAccount, folder: Path) -> list[Path]:
    """Write each statement of `account` as a Flex XML file; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for statement in account.statements:
        path = folder / file_name(statement)
        path.write_bytes(statement_xml(statement))
        paths.append(path)
    return paths


def build_demo(
    data_dir: Path,
    registry: MapperRegistry,
    *,
    seed: int = DEFAULT_SEED,
    end: dt.date | None = None,
    report: Report = lambda _line: None,
) -> DemoResult:
    """Create (or reuse) the demo in `data_dir`.

    Args:
        data_dir: the folder; created if missing.
        registry: the mappers of the installed add-ons.
        seed: the sample account's seed.
        end: the last day of the sample history (yesterday when None).
        report: receives one progress line at a time.

    Returns:
        Where the demo is and how to serve it.

    Raises:
        DemoFolderInUseError: the folder holds a database that is not a demo.
        DemoImportError: a statement failed to import (the run says why).
    """
    data_dir = data_dir.expanduser().resolve()
    settings = demo_settings(data_dir)
    marker = data_dir / MARKER_FILE
    if marker.is_file():
        report(f"Reusing the demo in {data_dir} (built {_built_on(marker)}).")
        return DemoResult(data_dir=data_dir, settings=settings, reused=True)
    if (data_dir / SQLITE_FILE_NAME).exists():
        raise DemoFolderInUseError(
            f"{data_dir} already holds a flexledger database that is not a demo; "
            "the demo will not touch it.",
            hint="Pick an empty folder with --data-dir, or leave it out for a new "
            "temporary one.",
        )
    started = time.monotonic()
    data_dir.mkdir(parents=True, exist_ok=True)
    account = simulate(seed, end)
    first, last = account.statements[0], account.statements[-1]
    report(
        f"Generating {len(account.statements)} monthly statements "
        f"({first.from_date:%Y-%m} to {last.to_date:%Y-%m}) for sample account "
        f"{ACCOUNT_ID}…"
    )
    paths = write_statements(account, data_dir / STATEMENTS_DIR)
    database = Database(settings.effective_database_url)
    try:
        report(f"Creating the database {data_dir / SQLITE_FILE_NAME}…")
        database.upgrade()
        runs = _import_all(database, settings, registry, paths, report)
        report("Adding labels and notes…")
        _annotate(database, account)
    finally:
        database.dispose()
    seconds = time.monotonic() - started
    marker.write_text(
        json.dumps(
            {
                "account_id": ACCOUNT_ID,
                "seed": seed,
                "from": first.from_date.isoformat(),
                "to": last.to_date.isoformat(),
                "built_at_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    report(f"Imported {len(runs)} statements in {seconds:.1f} s.")
    return DemoResult(
        data_dir=data_dir,
        settings=settings,
        reused=False,
        runs=tuple(runs),
        seconds=seconds,
    )


def _built_on(marker: Path) -> str:
    try:
        built = json.loads(marker.read_text(encoding="utf-8")).get("built_at_utc")
    except (OSError, ValueError):
        built = None
    return str(built or "earlier")


def _import_all(
    database: Database,
    settings: Settings,
    registry: MapperRegistry,
    paths: list[Path],
    report: Report,
) -> list[IngestOutcome]:
    hooks = post_persist_stages(registry, settings)
    runs = []
    for number, path in enumerate(paths, start=1):
        outcome = ingest_payload(
            database,
            settings,
            Payload.of_bytes(path.read_bytes(), source="file", name=path.name),
            IngestOptions(),
            hooks=hooks,
        )
        if not outcome.succeeded:
            raise DemoImportError(
                f"Importing the sample statement {path.name} failed: "
                f"[{outcome.run.error_code}] {outcome.run.error_message}",
                hint=f"See run {outcome.run.ingestion_run_id}; this is a bug in "
                "the demo data, please report it.",
            )
        report(
            f"  [{number:>2}/{len(paths)}] {path.name}: "
            f"{outcome.raw_record_count} rows imported"
        )
        runs.append(outcome)
    return runs


def _instrument(symbol: str) -> uuid.UUID:
    return instrument_id_for(ACCOUNT_ID, BY_SYMBOL[symbol].conid)


def _annotate(database: Database, account: SampleAccount) -> None:
    """Labels on instruments, notes on instruments, a label and events."""
    labels = {}
    for name, color, members in LABELS:
        label = create_label(database, name, color=color)
        labels[name] = label.label_id
        for symbol in members:
            assign_label(database, _instrument(symbol), label.label_id)
    highlights = account.highlights
    split = BY_SYMBOL[SPLIT_SYMBOL]
    reversal = BY_SYMBOL[REVERSAL_SYMBOL]
    notes: list[tuple[NoteTarget, str]] = [
        (
            NoteTarget(instrument_id=_instrument("BRDM")),
            "Core holding: broad-market ETF, bought in three tranches. Rebalance "
            "once a year, never on news.",
        ),
        (
            NoteTarget(instrument_id=_instrument(SHORT_SYMBOL)),
            "Short after the phase II readout; covered two thirds on the way down. "
            "Borrow fees post monthly as broker interest paid.",
        ),
        (
            NoteTarget(instrument_id=_instrument(MERGER_TARGET)),
            f"Acquired by {MERGER_ACQUIRER} (45 {MERGER_ACQUIRER} for 100 "
            f"{MERGER_TARGET}). The merger waits in Cases: decide how the basis "
            "moves, then resolve it.",
        ),
        (
            NoteTarget(label_id=labels["Speculative"]),
            "Position size cap: 5% of the portfolio each.",
        ),
        (
            NoteTarget(
                event=EventRef(
                    EventKind.CORP_ACTION,
                    event_id_for(
                        EventKind.CORP_ACTION,
                        (
                            ACCOUNT_ID,
                            highlights.split_action_id,
                            split.conid,
                            highlights.split_transaction_id,
                        ),
                    ),
                )
            ),
            f"{split.symbol} 4-for-1 split, applied automatically: lot quantities "
            "x4, cost unchanged.",
        ),
        (
            NoteTarget(
                event=EventRef(
                    EventKind.CASHFLOW,
                    event_id_for(
                        EventKind.CASHFLOW,
                        (
                            ACCOUNT_ID,
                            highlights.reversal_dividend_id,
                            CashAction.DIVIDEND.value,
                            reversal.currency,
                        ),
                    ),
                )
            ),
            f"IBKR reversed this {reversal.symbol} dividend and re-posted it at "
            "0.40 per share (re-characterised by the issuer).",
        ),
    ]
    for target, content in notes:
        add_note(database, target, content)
