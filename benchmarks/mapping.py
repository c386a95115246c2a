"""Mapping benchmark: rows/s of raw → canonical candidates beside the bare parse.

Usage: .venv/bin/python benchmarks/mapping.py [--trades 100000]

The synthetic statement is the ingestion benchmark's. Mapping is timed on rows
already read (as the canonical stage gets them from the database), so the figure is
the mapping layer's own: map_rows + resolve_events. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import write_statement
from tests.mapping.golden import source_rows

from flexledger.addons import load_addons, mapper_registry
from flexledger.mapping.pipeline import map_rows
from flexledger.mapping.registry import MappingContext
from flexledger.mapping.resolve import resolve_events


def main() -> None:
    """Generate, parse bare, read rows, map; print rows/s."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--trades", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = write_statement(Path(folder) / "bench.xml", args.trades)
        import xml.etree.ElementTree as ET  # noqa: TID251 - trusted benchmark file

        started = time.perf_counter()
        bare = 0
        for _, element in ET.iterparse(path, events=("end",)):  # noqa: S314
            if not len(element):
                _ = dict(element.attrib)
                bare += 1
            element.clear()
        bare_seconds = time.perf_counter() - started
        rows = source_rows(path)
        registry = mapper_registry(load_addons())
        context = MappingContext("USD", "America/New_York")
        started = time.perf_counter()
        result = map_rows(rows, registry, context)
        resolved, _ = resolve_events(result.events)
        seconds = time.perf_counter() - started
    print(f"{args.trades:,} trades, {len(rows):,} rows")
    print(
        f"bare parse      {bare / bare_seconds:>12,.0f} rows/s ({bare_seconds:.2f} s)"
    )
    print(
        f"mapping         {len(rows) / seconds:>12,.0f} rows/s ({seconds:.2f} s, "
        f"{len(resolved):,} events, outcomes {dict(result.outcomes)})"
    )


if __name__ == "__main__":
    main()
