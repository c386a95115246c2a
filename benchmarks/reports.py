"""Report endpoints at the 100k-trade synthetic dataset, on SQLite and PostgreSQL.

Usage: .venv/bin/python benchmarks/reports.py [--trades 100000] [--requests 40]

Each database is served by a real `flexledger serve` process; requests go over
loopback HTTP, one at a time, so a figure is the server's answer time as a client
sees it. The first build of a dataset imports it (minutes); later runs reuse it
(benchmarks/datasets.py). Five labels over 100 instruments each are added once,
so by-label has work to do. Printed, never asserted; the goal is p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import postgres_dataset, served, sqlite_dataset

_LABELS = ("Core", "Growth", "Income", "Hedges", "Speculative")
_PER_LABEL = 100
GOAL_MS = 200.0


def _instrument_ids(client: httpx.Client) -> list[str]:
    ids: list[str] = []
    offset = 0
    while True:
        page = client.get("/instruments", params={"limit": 200, "offset": offset})
        page.raise_for_status()
        body = page.json()
        ids += [item["instrument_id"] for item in body["items"]]
        if not body["page"]["has_more"]:
            return ids
        offset += 200


def _ensure_labels(client: httpx.Client, instruments: list[str]) -> list[str]:
    """Label ids; created and assigned on the first run only."""
    existing = client.get("/labels", params={"limit": 50}).json()["items"]
    if existing:
        return [label["label_id"] for label in existing]
    labels = []
    for index, name in enumerate(_LABELS):
        label_id = client.post("/labels", json={"name": name}).json()["label_id"]
        start = index * _PER_LABEL // 2  # labels overlap: some carry two
        for instrument in instruments[start : start + _PER_LABEL]:
            client.post(f"/instruments/{instrument}/labels/{label_id}")
        labels.append(label_id)
    return labels


def _timed(
    client: httpx.Client, requests: int, request: Callable[[int], httpx.Response]
) -> list[float]:
    request(0).raise_for_status()  # warm: imports, caches, the first query plan
    times = []
    for number in range(requests):
        started = time.perf_counter()
        response = request(number)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return times


def _p(times: list[float], share: float) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[int(share * 100) - 1]


def measure(name: str, database_url: str, requests: int) -> None:
    """Print p50/p95 of each report endpoint over one database."""
    with (
        served(database_url) as server,
        httpx.Client(base_url=server.base, timeout=120) as client,
    ):
        instruments = _instrument_ids(client)
        labels = _ensure_labels(client, instruments)
        event = client.get(
            "/reports/provenance", params={"instrument_id": instruments[0], "limit": 1}
        ).json()["items"][0]

        def pick(number: int) -> str:
            return instruments[(number * 37) % len(instruments)]

        cases: dict[str, Callable[[int], httpx.Response]] = {
            "by-instrument (page of 50)": lambda n: client.get(
                "/reports/pnl/by-instrument", params={"offset": (n * 50) % 500}
            ),
            "by-instrument, one year": lambda n: client.get(
                "/reports/pnl/by-instrument",
                params={
                    "report_date_from": "2023-01-01",
                    "report_date_to": "2023-12-31",
                },
            ),
            "by-label": lambda n: client.get("/reports/pnl/by-label"),
            "by-label, one label": lambda n: client.get(
                "/reports/pnl/by-label", params={"label_id": labels[n % len(labels)]}
            ),
            "provenance (instrument, 50 events)": lambda n: client.get(
                "/reports/provenance", params={"instrument_id": pick(n)}
            ),
            "provenance (one event)": lambda n: client.get(
                "/reports/provenance",
                params={
                    "event_kind": event["event_kind"],
                    "event_id": event["event_id"],
                },
            ),
        }
        print(f"\n{name}: {len(instruments)} instruments, {requests} requests each")
        print(f"{'endpoint':<38}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  goal")
        for label, request in cases.items():
            times = _timed(client, requests, request)
            p95 = _p(times, 0.95)
            verdict = "ok" if p95 < GOAL_MS else "MISSED"
            print(
                f"{label:<38}{_p(times, 0.50):>9.1f}{p95:>9.1f}{max(times):>9.1f}  {verdict}"
            )


def main() -> None:
    """Build or reuse the datasets, then measure each."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--trades", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    measure("SQLite", sqlite_dataset(args.trades), args.requests)
    postgres = postgres_dataset(args.trades)
    if postgres is None:
        print("\nPostgreSQL: no server at 127.0.0.1:5432, skipped")
    else:
        measure("PostgreSQL", postgres, args.requests)


if __name__ == "__main__":
    main()
