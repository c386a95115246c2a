"""Long fuzz runs of the hostile-input properties (T06); crashers land in a folder.

Usage: .venv/bin/python benchmarks/fuzz.py [--examples 20000] [--seed N]
       [--property reader|rows|all] [--out fuzz-crashers]

Runs the properties of tests/hostile/properties.py (the same ones CI runs with
fixed, small example counts in tests/hostile/test_fuzz.py) with a random seed,
unless one is given, and many more examples. Any input that makes a property
raise something other than a `FlexLedgerError` is written to ``--out`` as
``<property>-<sha256 prefix>.bin`` (statement bytes) or ``.txt`` (a row's repr),
shrunk by Hypothesis to a small example first. Exit status 1 when a crasher was
found. Each crasher becomes a regression case (corpus.REGRESSIONS or
test_fuzz.REGRESSION_ROWS) once fixed. Prints examples run and elapsed time.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, seed, settings
from tests.hostile.properties import PROPERTIES


def _run(name: str, examples: int, run_seed: int, out: Path) -> bool:
    strategy, check = PROPERTIES[name]
    found: list[Path] = []
    count = 0

    def recorded(value: object) -> None:
        nonlocal count
        count += 1
        try:
            check(value)
        except Exception:
            # Every failing call is written; shrinking ends on the smallest one.
            body = value if isinstance(value, bytes) else repr(value).encode()
            suffix = "bin" if isinstance(value, bytes) else "txt"
            digest = hashlib.sha256(body).hexdigest()[:16]
            path = out / f"{name}-{digest}.{suffix}"
            out.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            found.append(path)
            raise

    test = seed(run_seed)(
        settings(
            max_examples=examples,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=True,
        )(given(strategy)(recorded))
    )
    started = time.perf_counter()
    try:
        test()
    except Exception as exc:
        print(f"{name}: crasher {type(exc).__name__}: {exc}"[:400])
    elapsed = time.perf_counter() - started
    print(
        f"{name}: {count} calls, seed {run_seed}, {elapsed:.1f} s, "
        f"{len(set(found))} crasher file(s) in {out}"
    )
    return not found


def main() -> None:
    """Run the chosen properties; exit 1 when any found a crasher."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--property", choices=[*PROPERTIES, "all"], default="all")
    parser.add_argument("--out", type=Path, default=Path("fuzz-crashers"))
    args = parser.parse_args()
    run_seed = (
        args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    )
    names = list(PROPERTIES) if args.property == "all" else [args.property]
    clean = [_run(name, args.examples, run_seed, args.out) for name in names]
    sys.exit(0 if all(clean) else 1)


if __name__ == "__main__":
    main()
