"""Server time per UI page, at the demo dataset and at a 100k-trade synthetic one.

Usage: .venv/bin/python benchmarks/pages.py [--requests 20] [--trades 100000]
       [--seed 7] [--only demo|synthetic] [--profile PATH]

Each dataset is served by uvicorn in a thread on 127.0.0.1 (real loopback HTTP,
as a browser reaches it) and every page is requested N times with httpx, one at
a time, after one warm-up request. The time printed is the client's wall time per
response, which on loopback is the server's time plus well under a millisecond.
The goal is p95 < 300 ms per page. Figures are printed, never asserted.

Building the 100k-trade database takes minutes (`flexledger import` of the
synthetic statement), so it is cached under the system temp folder keyed by
trades and seed, and reused by later runs; the demo is cached the same way.
`--profile PATH` writes a cProfile of one request per page (slowest first) to
PATH, for finding why a page misses the goal.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import io
import os
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi.routing import APIRoute
from starlette.types import ASGIApp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import ACCOUNT, write_statement

from flexledger import __version__
from flexledger.config import Settings, load_settings
from flexledger.db.database import Database
from flexledger.demo.build import build_demo
from flexledger.demo.sample import DEFAULT_SEED
from flexledger.main import registry
from flexledger.web.app import create_app
from flexledger.web.context import AppContext

CACHE = Path(tempfile.gettempdir()) / "flexledger-bench-pages"
GOAL_MS = 300.0
# The demo's history ends on a fixed day, so every run measures the same data.
DEMO_END = dt.date(2025, 11, 20)
DONE = "built.ok"


@dataclass(frozen=True, slots=True)
class Dataset:
    """A database to serve and the settings to serve it with."""

    name: str
    settings: Settings


def demo_dataset() -> Dataset:
    """The demo account (`flexledger demo`'s data), built once."""
    folder = CACHE / f"demo-seed{DEFAULT_SEED}-{DEMO_END.isoformat()}"
    result = build_demo(folder, registry(), seed=DEFAULT_SEED, end=DEMO_END)
    return Dataset("demo", result.settings)


def synthetic_dataset(trades: int, seed: int) -> Dataset:
    """The synthetic statement imported by `flexledger import`, built once."""
    folder = CACHE / f"synthetic-{trades}-seed{seed}"
    database = folder / "ledger.sqlite3"
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{database}",
        flexledger_data_dir=folder,
        account_id=ACCOUNT,
        base_currency="USD",
    )
    if (folder / DONE).is_file():
        return Dataset(f"synthetic {trades:,}", settings)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("ledger.sqlite3*"):
        stale.unlink()
    statement = write_statement(folder / "statement.xml", trades, seed=seed)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "FLEXLEDGER_DATA_DIR": str(folder),
        "ACCOUNT_ID": ACCOUNT,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("IBKR_FLEX_TOKEN", None)
    cli = str(Path(sys.executable).with_name("flexledger"))
    print(f"Building the {trades:,}-trade database in {folder} (minutes, once)…")
    started = time.perf_counter()
    subprocess.run([cli, "db", "upgrade"], env=env, check=True)
    subprocess.run(
        [cli, "import", "--allow-missing-sections", str(statement)],
        env=env,
        check=True,
    )
    statement.unlink()
    (folder / DONE).write_text(f"{time.perf_counter() - started:.0f} s\n")
    return Dataset(f"synthetic {trades:,}", settings)


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The app over `settings`' database on a free loopback port; yields its URL."""
    database = Database(settings.effective_database_url)
    app = create_app(
        AppContext(
            settings=settings,
            database=database,
            version=__version__,
            registry=registry(),
        )
    )
    try:
        with serve_app(app) as base:
            yield base
    finally:
        database.dispose()


@contextmanager
def serve_app(app: ASGIApp) -> Iterator[str]:
    """`app` served by uvicorn in a thread on a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def pages(client: httpx.Client) -> list[tuple[str, str]]:
    """(name, path) of every page, ids found by following the app's own links."""
    found = [
        ("dashboard", "/ui/"),
        ("P&L by instrument", "/ui/reports/instruments"),
        ("instruments", "/ui/instruments"),
        ("labels", "/ui/labels"),
        ("runs", "/ui/ingestion/runs"),
        ("cases", "/ui/cases?status=all"),
        ("schema drift", "/ui/drift"),
        ("setup", "/ui/setup"),
        ("reconciliation", "/ui/reconciliation"),
        ("reconciliation, failing", "/ui/reconciliation?within_tolerance=false"),
        ("coverage", "/ui/coverage"),
    ]
    linked = [
        ("instrument", "/ui/instruments", "/ui/instruments/"),
        ("provenance", "/ui/instruments/", "/ui/provenance?instrument_id="),
        ("label", "/ui/labels", "/ui/labels/"),
        ("run", "/ui/ingestion/runs", "/ui/ingestion/runs/"),
        ("raw row", "/ui/reconciliation", "/ui/raw/"),
    ]
    seen: dict[str, str] = {}
    for name, source, prefix in linked:
        page = seen.get(source) or source
        link = _first_link(client.get(page).text, prefix)
        if link is None:
            print(f"  (no {name} page: nothing links to {prefix}… from {page})")
            continue
        found.append((name, link))
        seen[prefix] = link
    return found


def _first_link(html: str, prefix: str) -> str | None:
    marker = f'href="{prefix}'
    start = html.find(marker)
    while start != -1:
        end = html.index('"', start + len(marker))
        link = html[start + len('href="') : end].replace("&amp;", "&")
        # Skip the pages' own sub-actions (sort links, "new" forms).
        if link != prefix.rstrip("/") and "?" not in link[len(prefix) :][:1]:
            return link
        start = html.find(marker, end)
    return None


def measure(client: httpx.Client, path: str, count: int) -> list[float]:
    """Milliseconds per request, after one warm-up."""
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def run(dataset: Dataset, count: int, profile: Path | None) -> list[str]:
    """Measure every page of `dataset`; returns the pages missing the goal."""
    missed = []
    print(f"\n{dataset.name}: {count} requests per page")
    print(f"{'page':<26}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'KB':>8}  goal")
    with (
        serve(dataset.settings) as base,
        httpx.Client(base_url=base, timeout=120) as client,
    ):
        for name, path in pages(client):
            times = measure(client, path, count)
            size = len(client.get(path).content) / 1024
            p95 = percentile(times, 0.95)
            ok = p95 < GOAL_MS
            if not ok:
                missed.append(f"{dataset.name}: {name} ({path}) p95 {p95:.0f} ms")
            print(
                f"{name:<26}{statistics.median(times):>9.1f}{p95:>9.1f}"
                f"{max(times):>9.1f}{size:>8.0f}  {'ok' if ok else 'MISSED'}"
            )
    if profile is not None:
        _profile(dataset, profile)
    return missed


def _profile(dataset: Dataset, target: Path) -> None:
    """One request per page with its page function under cProfile.

    Page functions are sync, so they run in the server's worker threads; each
    route's endpoint is wrapped to profile its own call (template rendering
    included, since a TemplateResponse renders when it is made).
    """
    database = Database(dataset.settings.effective_database_url)
    app = create_app(
        AppContext(
            settings=dataset.settings,
            database=database,
            version=__version__,
            registry=registry(),
        )
    )
    profiles: list[cProfile.Profile] = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/ui"):
            continue
        call = route.dependant.call
        if call is not None:
            route.dependant.call = _profiled(call, profiles)
    report = io.StringIO()
    with (
        serve_app(app) as base,
        httpx.Client(base_url=base, timeout=120) as client,
    ):
        for name, path in pages(client):
            client.get(path)
            profiles.clear()
            client.get(path)
            report.write(f"\n===== {dataset.name}: {name} {path}\n")
            for profile in profiles:
                stats = pstats.Stats(profile, stream=report)
                stats.sort_stats("cumulative").print_stats(30)
    database.dispose()
    target.write_text(report.getvalue(), encoding="utf-8")
    print(f"profile written to {target}")


def _profiled(
    call: Callable[..., Any], profiles: list[cProfile.Profile]
) -> Callable[..., Any]:
    @functools.wraps(call)
    def profiled(*args: Any, **kwargs: Any) -> Any:
        profile = cProfile.Profile()
        profile.enable()
        try:
            return call(*args, **kwargs)
        finally:
            profile.disable()
            profiles.append(profile)

    return profiled


def main() -> None:
    """Build (or reuse) both datasets and print one table per dataset."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--trades", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7, help="synthetic data seed")
    parser.add_argument("--only", choices=("demo", "synthetic"))
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    datasets = []
    if args.only in (None, "demo"):
        datasets.append(demo_dataset())
    if args.only in (None, "synthetic"):
        datasets.append(synthetic_dataset(args.trades, args.seed))
    missed = []
    for dataset in datasets:
        profile = None
        if args.profile is not None:
            slug = dataset.name.split()[0]
            profile = args.profile.with_name(f"{args.profile.stem}-{slug}.txt")
        missed += run(dataset, args.requests, profile)
    print(f"\ngoal: p95 < {GOAL_MS:.0f} ms per page")
    print("\n".join(["missed:", *missed]) if missed else "every page met the goal")


if __name__ == "__main__":
    main()
