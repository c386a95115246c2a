"""End to end: `flexledger import` on SQLite beside ibflex's `parser.parse`, one run.

Usage: .venv/bin/pip install -e '.[bench]'   (ibflex, the peer reference)
       .venv/bin/python benchmarks/end_to_end.py [--trades 100000]

`flexledger import` runs as a user runs it: a fresh process on a fresh SQLite file,
through every stage (read, persist, map, ledger, snapshots). ibflex parses the same
file in its own process. Both are timed as wall time around the whole process, so
interpreter start and imports count for both. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import ACCOUNT, write_statement

_IBFLEX_PARSE = (
    "import sys\n"
    "from ibflex import parser\n"
    "statement = parser.parse(sys.argv[1])\n"
    "print(sum(len(s.Trades or ()) for s in statement.FlexStatements))\n"
)


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak RSS in MB, and the last output line.

    CPU is user plus system time of the process and the children it waited for
    (the ledger's forked part): with fewer cores than it can keep busy, wall
    time cannot drop below CPU time divided by the cores.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0:
        tail = (stderr or stdout).strip().splitlines()[-3:]
        raise SystemExit(f"{command[1]} failed ({child.returncode}): {tail}")
    lines = stdout.strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def _counts(database: Path) -> dict[str, int]:
    tables = (
        "raw_record",
        "event_trade_fill",
        "position_lot",
        "lot_closure",
        "pnl_snapshot_daily",
    )
    with sqlite3.connect(database) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in tables
        }


def main() -> None:
    """Generate the statement, run both, print a side-by-side table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--trades", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = write_statement(Path(folder) / "bench.xml", args.trades)
        megabytes = path.stat().st_size / 1e6
        database = Path(folder) / "ledger.sqlite3"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "FLEXLEDGER_DATA_DIR": folder,
            "ACCOUNT_ID": ACCOUNT,
            "LOG_LEVEL": "WARNING",
        }
        env.pop("IBKR_FLEX_TOKEN", None)
        ours_cli = str(Path(sys.executable).with_name("flexledger"))
        # Migrations are set-up, not import work: create the schema first.
        _timed([ours_cli, "db", "upgrade"], env)
        ours, ours_cpu, ours_peak, _ = _timed(
            [ours_cli, "import", "--allow-missing-sections", str(path)], env
        )
        counts = _counts(database)
        theirs, theirs_cpu, theirs_peak, trades = _timed(
            [sys.executable, "-c", _IBFLEX_PARSE, str(path)], env
        )
    print(f"{args.trades:,} trades ({megabytes:.1f} MB)")
    print(f"{os.cpu_count()} cores")
    print(f"{'process':<34}{'wall s':>9}{'CPU s':>9}{'peak MB':>10}")
    print(
        f"{'flexledger import (SQLite)':<34}{ours:>9.2f}{ours_cpu:>9.2f}"
        f"{ours_peak:>10.0f}"
    )
    print(
        f"{'ibflex parser.parse':<34}{theirs:>9.2f}{theirs_cpu:>9.2f}"
        f"{theirs_peak:>10.0f}"
    )
    print(f"ratio ours/ibflex {ours / theirs:.2f}; ibflex read {trades} trades")
    print("stored: " + json.dumps(counts))


if __name__ == "__main__":
    main()
