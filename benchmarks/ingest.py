"""Ingestion benchmark: bare parse vs our read + persist (SQLite, PostgreSQL) vs ibflex.

Usage: .venv/bin/pip install -e '.[bench]'   (ibflex, the peer reference)
       .venv/bin/python benchmarks/ingest.py [--trades 10000 100000] [--postgres URL]

Each measurement runs in its own process so its peak RSS is its own. Figures are
printed, never asserted: speed is measured here, not in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import write_statement

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, path: Path, database_url: str | None) -> dict[str, float]:
    """Run one measurement in this process; returns rows, seconds, peak RSS.

    Setup (imports, migrations) happens before the clock starts.
    """
    rows = 0
    if kind == "ours":
        from flexledger.config import load_settings
        from flexledger.db.database import Database
        from flexledger.jobs.ingest import (
            IngestOptions,
            ingest_payload,
            read_payload_file,
        )

        assert database_url is not None
        database = Database(database_url)
        database.upgrade()
        settings = load_settings(_env_file=None, account_id="U7654321")
    started = time.perf_counter()
    if kind == "stdlib":
        import xml.etree.ElementTree as ET  # noqa: TID251 - trusted benchmark file

        for _, element in ET.iterparse(path, events=("end",)):  # noqa: S314
            if not len(element):
                _ = dict(element.attrib)
                rows += 1
            element.clear()
    elif kind == "lxml":
        from lxml import etree

        for _, element in etree.iterparse(
            str(path), events=("end",), resolve_entities=False
        ):
            if not len(element):
                _ = dict(element.attrib)
                rows += 1
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    elif kind == "ibflex":
        from ibflex import parser

        statement = parser.parse(str(path))
        rows = sum(
            len(getattr(s, "Trades", ()) or ()) for s in statement.FlexStatements
        )
    else:
        outcome = ingest_payload(
            database,
            settings,
            read_payload_file(path),
            IngestOptions(allow_missing_sections=True),
        )
        if not outcome.succeeded:
            raise SystemExit(
                f"ingest failed: {outcome.run.error_code} {outcome.run.error_message}"
            )
        rows = outcome.raw_record_count
        seconds = time.perf_counter() - started
        # The run is committed and durable here. Closing waits for the SQLite WAL
        # checkpoint that started after the commit (db/checkpoint.py), which in a
        # real import overlaps the mapping stage: shown, not counted.
        database.dispose()
        return {
            "rows": rows,
            "seconds": seconds,
            "close_seconds": time.perf_counter() - started - seconds,
            "peak_rss_mb": _peak_rss_mb(),
        }
    return {
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _child(
    kind: str, path: Path, database_url: str | None = None
) -> dict[str, float] | None:
    command = [sys.executable, __file__, "--measure", kind, "--file", str(path)]
    if database_url:
        command += ["--database-url", database_url]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(f"  {kind}: failed: {result.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def _postgres_database(server_url: str) -> tuple[str, str] | None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"flexledger_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL not available ({type(exc).__name__}); skipping (c)")
        return None
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(
        hide_password=False
    ), name


def _drop(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    """Generate statements, measure each path, print a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--trades", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("FLEXLEDGER_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
    )
    parser.add_argument("--measure")
    parser.add_argument("--file", type=Path)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.file, args.database_url)))
        return
    with tempfile.TemporaryDirectory() as folder:
        for trades in args.trades:
            path = write_statement(Path(folder) / f"bench_{trades}.xml", trades)
            megabytes = path.stat().st_size / 1e6
            print(f"\n== {trades:,} trades: {megabytes:.1f} MB")
            results: dict[str, dict[str, float] | None] = {}
            for kind in ("stdlib", "lxml"):
                results[kind] = _child(kind, path)
            sqlite_url = f"sqlite:///{Path(folder) / f'bench_{trades}.sqlite3'}"
            results["ours_sqlite"] = _child("ours", path, sqlite_url)
            created = _postgres_database(args.postgres)
            if created:
                results["ours_postgres"] = _child("ours", path, created[0])
                _drop(args.postgres, created[1])
            results["ibflex"] = _child("ibflex", path)
            baseline = max(
                (
                    r["rows"] / r["seconds"]
                    for k, r in results.items()
                    if k in ("stdlib", "lxml") and r
                ),
                default=0.0,
            )
            print(
                f"{'path':<15}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'MB/s':>8}{'peak MB':>9}{'vs bare':>9}"
            )
            for kind, result in results.items():
                if not result:
                    continue
                rate = result["rows"] / result["seconds"]
                print(
                    f"{kind:<15}{result['rows']:>10,.0f}{result['seconds']:>10.2f}{rate:>12,.0f}"
                    f"{megabytes / result['seconds']:>8.1f}{result['peak_rss_mb']:>9.0f}"
                    f"{rate / baseline if baseline else 0:>9.2f}"
                )
            for kind, result in results.items():
                if result and "close_seconds" in result:
                    print(
                        f"  {kind}: closing the database after the run took "
                        f"{result['close_seconds']:.2f} s more (WAL checkpoint "
                        "started at commit; not counted above)"
                    )


if __name__ == "__main__":
    main()
