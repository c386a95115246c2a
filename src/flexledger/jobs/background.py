"""Start a fetch from IBKR in a background thread and say once the run has begun.

A request must not wait for IBKR (polls take minutes), yet it should answer with the
run's id, or with why no run started (another run active, settings missing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from flexledger.adapter.flex_client import FlexClient, FlexClientConfig
from flexledger.config import Settings
from flexledger.db.database import Database
from flexledger.domain.errors import FlexLedgerError, IngestionError
from flexledger.domain.runs import IngestionRun, RunType
from flexledger.jobs.fetch import client_config, fetch_and_ingest
from flexledger.jobs.ingest import PostPersistHook

START_WAIT_SECONDS = 30.0


def start_fetch(
    database: Database,
    settings: Settings,
    *,
    client_factory: Callable[[FlexClientConfig], FlexClient],
    hooks: Sequence[PostPersistHook] = (),
    wait_seconds: float = START_WAIT_SECONDS,
) -> IngestionRun:
    """Begin a manual fetch-and-ingest run; return it once it is recorded.

    Raises:
        ConfigError: fetching is not configured.
        RunAlreadyActiveError: another run is active.
        FlexLedgerError: the run could not start (e.g. the database is down).
    """
    config = client_config(settings)
    started = threading.Event()
    outcome: dict[str, object] = {}

    def mark_started(run: IngestionRun) -> None:
        outcome["run"] = run
        started.set()

    def work() -> None:
        client = client_factory(config)
        try:
            fetch_and_ingest(
                database,
                settings,
                client=client,
                run_type=RunType.MANUAL,
                on_started=mark_started,
                hooks=hooks,
            )
        except FlexLedgerError as exc:
            outcome["error"] = exc
        finally:
            client.close()
            started.set()

    threading.Thread(target=work, name="flexledger-fetch", daemon=True).start()
    started.wait(wait_seconds)
    run = outcome.get("run")
    if isinstance(run, IngestionRun):
        return run
    error = outcome.get("error")
    if isinstance(error, FlexLedgerError):
        raise error
    raise IngestionError("The run did not start in time.")
