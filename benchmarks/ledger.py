"""Ledger benchmark: 100k fills over 500 instruments and 5 years of business days.

Usage: .venv/bin/python benchmarks/ledger.py [--fills 100000] [--instruments 500]

Times the pure ledger (lot engine, checks, snapshots) on facts already read: a full
rebuild, then one more business day recomputed incrementally (only the instruments
that day touches, snapshots from that day). Two calendars: one statement for the
whole range (snapshots on activity days) and daily statements (a snapshot per held
instrument per business day). The cycle collector is paused around each, as the
import, reprocess and case stages pause it. Printed, never asserted. The database
writes are measured end to end by benchmarks/end_to_end.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from flexledger.domain.canonical import instrument_id_for
from flexledger.jobs.cycle_gc import cyclic_gc_paused
from flexledger.ledger.compute import compute_ledger
from flexledger.ledger.inputs import FillRecord, LedgerInputs
from flexledger.ledger.matching import matcher_for

ACCOUNT = "U7654321"


def business_days(start: dt.date, count: int) -> list[dt.date]:
    """`count` weekdays from `start`."""
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def synthetic_fills(
    fills: int, instruments: int, days: list[dt.date], seed: int = 11
) -> list[FillRecord]:
    """Buys and sells that keep every position long, with IBKR-like figures."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    ids = [instrument_id_for(ACCOUNT, str(100000 + n)) for n in range(instruments)]
    held = dict.fromkeys(ids, 0)
    out: list[FillRecord] = []
    per_day = fills / len(days)
    for index in range(fills):
        day = days[min(int(index / per_day), len(days) - 1)]
        instrument = ids[rng.randrange(instruments)]
        size = rng.randrange(1, 50)
        selling = held[instrument] > size and rng.random() < 0.45
        quantity = -size if selling else size
        held[instrument] += quantity
        price = Decimal(rng.randrange(1000, 50000)) / 100
        executed = dt.datetime.combine(day, dt.time(14, 30), dt.UTC) + dt.timedelta(
            seconds=index % 20000
        )
        out.append(
            FillRecord(
                event_id=uuid.uuid5(uuid.NAMESPACE_OID, str(index)),
                instrument_id=instrument,
                ib_exec_id=f"E{index}",
                transaction_id=str(index + 1),
                executed_at=executed,
                report_date=day,
                quantity=Decimal(quantity),
                price=price,
                commission=Decimal("-1.0035"),
                fees=Decimal(0),
                realized_pnl=None,
                cost=None,
                net_cash=None,
                net_cash_in_base=None,
                fx_rate_to_base=Decimal(1),
                currency="USD",
                commission_currency="USD",
                is_cancellation=False,
                close_price=price,
            )
        )
    return out


def run(inputs: LedgerInputs, label: str) -> None:
    """Full rebuild, then one incremental day; print times and rows."""
    # As the import, reprocess and case stages run it (jobs/cycle_gc.py).
    with cyclic_gc_paused():
        started = time.perf_counter()
        output = compute_ledger(ACCOUNT, "USD", inputs, matcher_for("fifo"))
        full = time.perf_counter() - started
    last_day = max(f.report_date for f in inputs.fills)
    touched = {f.instrument_id for f in inputs.fills if f.report_date == last_day}
    scoped = LedgerInputs(
        fills=[f for f in inputs.fills if f.instrument_id in touched],
        calendar=inputs.calendar,
        currencies=inputs.currencies,
    )
    with cyclic_gc_paused():
        started = time.perf_counter()
        day = compute_ledger(
            ACCOUNT, "USD", scoped, matcher_for("fifo"), since=last_day
        )
        incremental = time.perf_counter() - started
    rows = len(output.snapshots)
    print(
        f"{label:<22} full {full:6.2f} s, {rows:>8,} snapshots "
        f"({rows / full:>9,.0f} rows/s), "
        f"{sum(len(b.closures) for b in output.books.values()):,} closures; "
        f"one day: {incremental:.2f} s for {len(touched)} instruments, "
        f"{len(day.snapshots)} snapshots"
    )


def main() -> None:
    """Generate, compute, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--fills", type=int, default=100_000)
    parser.add_argument("--instruments", type=int, default=500)
    parser.add_argument("--days", type=int, default=1260)
    args = parser.parse_args()
    days = business_days(dt.date(2021, 1, 4), args.days)
    fills = synthetic_fills(args.fills, args.instruments, days)
    currencies = dict.fromkeys({f.instrument_id for f in fills}, "USD")
    print(f"{args.fills:,} fills, {args.instruments} instruments, {len(days)} days")
    run(
        LedgerInputs(fills=fills, calendar=[days[-1]], currencies=currencies),
        "one statement",
    )
    run(
        LedgerInputs(fills=fills, calendar=days, currencies=currencies),
        "daily statements",
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
