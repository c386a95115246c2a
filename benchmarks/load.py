"""Load on the report endpoints (RELIABILITY T18): concurrent clients, bounded time.

Usage: .venv/bin/python benchmarks/load.py [--trades 10000 100000] [--clients 8]
       [--seconds 20] [--databases sqlite postgres]

For each dataset (benchmarks/datasets.py: built once by a real `flexledger import`,
then reused) a real `flexledger serve` runs, and `--clients` threads, each with its
own keep-alive httpx client on loopback, send the report requests round-robin
(by-instrument, by-label, provenance, reconciliation diff, coverage) for
`--seconds`. Printed per dataset: throughput, p50/p95/p99 per endpoint and over
all, errors (non-2xx or transport failures), and the server's resident memory
(VmRSS at the end, VmHWM the peak) from /proc. Goal (issue 9): p95 < 200 ms at
10k trades and < 500 ms at 100k, zero errors. Printed, never asserted.

A latency here includes waiting for the server: with more clients than it has
cores, p95 grows with queueing even when one request alone is fast
(benchmarks/reports.py measures one request at a time).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import postgres_dataset, served, sqlite_dataset
from reports import _ensure_labels, _instrument_ids

GOAL_MS = {10_000: 200.0, 100_000: 500.0}

Request = Callable[[httpx.Client, int], httpx.Response]


@dataclass
class _Tally:
    """Latencies (ms) per endpoint and the errors seen, shared by the clients."""

    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, millis: float, ok: bool) -> None:
        with self.lock:
            self.times.setdefault(name, []).append(millis)
            if not ok:
                self.errors[name] = self.errors.get(name, 0) + 1


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB, from /proc/<pid>/status."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def _requests(client: httpx.Client) -> dict[str, Request]:
    """The report requests, each varying its parameters with the request number."""
    instruments = _instrument_ids(client)
    labels = _ensure_labels(client, instruments)

    def pick(number: int) -> str:
        return instruments[(number * 37) % len(instruments)]

    return {
        "by-instrument (page)": lambda c, n: c.get(
            "/reports/pnl/by-instrument", params={"offset": (n * 50) % 500}
        ),
        "by-label": lambda c, n: c.get(
            "/reports/pnl/by-label",
            params={"label_id": labels[n % len(labels)]} if n % 2 else {},
        ),
        "provenance (instrument)": lambda c, n: c.get(
            "/reports/provenance", params={"instrument_id": pick(n)}
        ),
        "reconciliation diff": lambda c, n: c.get(
            "/reports/reconciliation/diff", params={"offset": (n * 50) % 500}
        ),
        "coverage": lambda c, n: c.get("/reports/coverage"),
    }


def _client_loop(
    base: str,
    requests: dict[str, Request],
    offset: int,
    stop_at: float,
    tally: _Tally,
) -> None:
    names = list(requests)
    number = offset
    with httpx.Client(base_url=base, timeout=60) as client:
        while time.monotonic() < stop_at:
            name = names[number % len(names)]
            started = time.perf_counter()
            try:
                ok = requests[name](client, number // len(names)).is_success
            except httpx.HTTPError:
                ok = False
            tally.add(name, (time.perf_counter() - started) * 1000, ok)
            number += 1


def _p(times: list[float], share: float) -> float:
    if len(times) < 2:
        return times[0] if times else 0.0
    return statistics.quantiles(times, n=100, method="inclusive")[int(share * 100) - 1]


def measure(name: str, trades: int, url: str, clients: int, seconds: float) -> None:
    """Load one dataset and print its table."""
    with served(url) as server, httpx.Client(base_url=server.base, timeout=300) as c:
        requests = _requests(c)
        for request in requests.values():  # warm: imports, caches, query plans
            request(c, 0).raise_for_status()
        tally = _Tally()
        started = time.monotonic()
        stop_at = started + seconds
        threads = [
            threading.Thread(
                target=_client_loop,
                args=(server.base, requests, index, stop_at, tally),
            )
            for index in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        memory = memory_kib(server.pid)
    goal = GOAL_MS.get(trades, GOAL_MS[100_000])
    every = [t for times in tally.times.values() for t in times]
    errors = sum(tally.errors.values())
    print(
        f"\n{name}, {trades:,} trades: {clients} clients for {elapsed:.1f} s, "
        f"{len(every) / elapsed:.1f} req/s, {errors} errors, server RSS "
        f"{memory.get('VmRSS', 0) / 1024:.0f} MiB (peak {memory.get('VmHWM', 0) / 1024:.0f} MiB)"
    )
    print(
        f"{'endpoint':<26}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'errors':>8}  goal p95 < {goal:.0f} ms"
    )
    rows = [(label, tally.times[label]) for label in requests if label in tally.times]
    for label, times in [*rows, ("all", every)]:
        p95 = _p(times, 0.95)
        errs = errors if label == "all" else tally.errors.get(label, 0)
        verdict = "ok" if p95 < goal and errs == 0 else "MISSED"
        print(
            f"{label:<26}{len(times):>9}{len(times) / elapsed:>8.1f}"
            f"{_p(times, 0.50):>9.1f}{p95:>9.1f}{_p(times, 0.99):>9.1f}{errs:>8}  {verdict}"
        )


def main() -> None:
    """Build or reuse each dataset, then load it."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--trades", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=("sqlite", "postgres"),
        default=["sqlite", "postgres"],
    )
    args = parser.parse_args()
    for trades in args.trades:
        if "sqlite" in args.databases:
            measure(
                "SQLite", trades, sqlite_dataset(trades), args.clients, args.seconds
            )
        if "postgres" in args.databases:
            url = postgres_dataset(trades)
            if url is None:
                print(f"\nPostgreSQL, {trades:,} trades: no server at 127.0.0.1:5432")
            else:
                measure("PostgreSQL", trades, url, args.clients, args.seconds)


if __name__ == "__main__":
    main()
