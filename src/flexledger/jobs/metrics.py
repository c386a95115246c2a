"""The operational figures behind `GET /metrics`, so SPEC §15 SLOs can be watched.

One read-only unit of work of aggregate queries (`db/repositories/metrics.py`)
becomes a list of metric families: name, type, help and samples, in a
format-neutral shape the web layer renders as Prometheus text. Figures are read
from the tables on every scrape rather than counted in process memory, so they
are the same whichever process (serve, the scheduler, a CLI import) ran the
runs, and survive restarts.

SLO mapping (SPEC §15):

- success ≥ 99 % over 30 d: `flexledger_ingestion_runs_30d{status,run_type}`
  (and the all-time `flexledger_ingestion_runs`); "2 consecutive failures":
  `flexledger_ingestion_consecutive_failures`.
- duration p95 ≤ 15 min, alert on any run > 30 min:
  `flexledger_ingestion_run_duration_seconds` (histogram over 30 d with 900 s
  and 1800 s bounds), `..._max_seconds`, and
  `flexledger_ingestion_active_run_age_seconds` for a run still going.
- freshness: `flexledger_ingestion_last_success_timestamp_seconds`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from flexledger.config import Settings
from flexledger.db.database import Database
from flexledger.db.repositories.metrics import MetricsRepository
from flexledger.domain.clock import utc_now
from flexledger.domain.runs import RunStatus, RunType
from flexledger.jobs.cache import BoundedCache
from flexledger.jobs.token_expiry import token_days_left

WINDOW_DAYS = 30
# Seconds. 900 and 1800 are the SLO's p95 target and alert line, so
# `histogram_quantile(0.95, …)` is exact at the target and `le="1800"` vs `+Inf`
# counts the runs over the alert line; the rest give shape below and above.
DURATION_BOUNDS_SECONDS: tuple[float, ...] = (
    1,
    5,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1200,
    1800,
    3600,
)


@dataclass(frozen=True, slots=True)
class _Stored:
    """The figures that scan large tables, kept per fingerprint."""

    raw_total: int
    last_success_raw: int | None
    provisional: int


# Raw rows, the last run's rows and provisional instruments scan 100k-row tables
# (~30-70 ms at 100k trades); they change only with a run or a case, which the
# fingerprint sees, so a scrape between runs reads only small tables.
_STORED: BoundedCache[tuple[object, ...], _Stored] = BoundedCache(8)

MetricType = Literal["gauge", "counter", "histogram"]


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of a metric: optional name suffix (`_bucket`…) and labels."""

    value: float
    labels: tuple[tuple[str, str], ...] = ()
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class MetricFamily:
    """A metric's name, type, one-line help and samples."""

    name: str
    type: MetricType
    help: str
    samples: tuple[Sample, ...] = field(default=())


def collect_metrics(
    database: Database,
    settings: Settings,
    *,
    version: str,
    now: dt.datetime | None = None,
) -> list[MetricFamily]:
    """Every metric family, read in one unit of work.

    Args:
        database: the ledger database.
        settings: for the token expiry date and the business time zone.
        version: the running flexledger version (`flexledger_build_info`).
        now: the instant to measure windows and ages from (default: now).
    """
    now = now or utc_now()
    since = now - dt.timedelta(days=WINDOW_DAYS)
    with database.unit_of_work() as uow:
        repo = MetricsRepository(uow)
        all_time = repo.run_counts()
        recent = repo.run_counts(since)
        durations = repo.duration_histogram(DURATION_BOUNDS_SECONDS, since)
        last_run = repo.last_run()
        last_success_at = repo.last_success_end()
        active_since = repo.oldest_active_start()
        failures = repo.failures_since_last_success()
        unresolved = repo.unresolved_case_count()
        key = (database.url, *repo.fingerprint())
        stored = _STORED.get(key)
        if stored is None:
            stored = _Stored(
                raw_total=repo.raw_record_count(),
                last_success_raw=repo.last_success_raw_record_count(),
                provisional=repo.provisional_instrument_count(),
            )
            _STORED.put(key, stored)

    families = [
        MetricFamily(
            "flexledger_build_info",
            "gauge",
            "The running flexledger version (always 1).",
            (Sample(1, (("version", version),)),),
        ),
        _run_counts(
            "flexledger_ingestion_runs",
            "Ingestion runs in the runs table by status and run type (all time).",
            {(c.status, c.run_type): c.count for c in all_time},
        ),
        _run_counts(
            "flexledger_ingestion_runs_30d",
            f"Ingestion runs started in the last {WINDOW_DAYS} days by status "
            "and run type.",
            {(c.status, c.run_type): c.count for c in recent},
        ),
        MetricFamily(
            "flexledger_ingestion_run_duration_seconds",
            "histogram",
            f"Durations of runs that ended in the last {WINDOW_DAYS} days.",
            (
                *(
                    Sample(count, (("le", _bound(bound)),), "_bucket")
                    for bound, count in zip(
                        durations.bounds_seconds, durations.cumulative, strict=True
                    )
                ),
                Sample(durations.count, (("le", "+Inf"),), "_bucket"),
                Sample(durations.sum_seconds, (), "_sum"),
                Sample(durations.count, (), "_count"),
            ),
        ),
        MetricFamily(
            "flexledger_ingestion_run_duration_max_seconds",
            "gauge",
            f"The longest run that ended in the last {WINDOW_DAYS} days (0 if none).",
            (Sample(durations.max_seconds or 0.0),),
        ),
        MetricFamily(
            "flexledger_ingestion_active_run_age_seconds",
            "gauge",
            "Seconds since the oldest still-running run started (0 if none).",
            (
                Sample(
                    max(0.0, (now - active_since).total_seconds())
                    if active_since
                    else 0.0
                ),
            ),
        ),
        MetricFamily(
            "flexledger_ingestion_consecutive_failures",
            "gauge",
            "Failed runs since the last successful one.",
            (Sample(failures),),
        ),
        MetricFamily(
            "flexledger_ingestion_last_success_timestamp_seconds",
            "gauge",
            "When the last successful run ended, unix seconds (absent if none).",
            (Sample(last_success_at.timestamp()),) if last_success_at else (),
        ),
        MetricFamily(
            "flexledger_ingestion_last_run_timestamp_seconds",
            "gauge",
            "When the latest run started, unix seconds (absent if none).",
            (Sample(last_run.started_at_utc.timestamp()),) if last_run else (),
        ),
        MetricFamily(
            "flexledger_ingestion_last_run_status",
            "gauge",
            "The latest run's status: 1 on its status, 0 on the others.",
            tuple(
                Sample(
                    1 if last_run and last_run.status == status.value else 0,
                    (("status", status.value),),
                )
                for status in RunStatus
            ),
        ),
        MetricFamily(
            "flexledger_raw_records",
            "gauge",
            "Raw rows stored (never deleted, so it only grows).",
            (Sample(stored.raw_total),),
        ),
        MetricFamily(
            "flexledger_ingestion_last_success_raw_records",
            "gauge",
            "Raw rows the last successful run inserted (new rows, not duplicates).",
            (Sample(stored.last_success_raw),)
            if stored.last_success_raw is not None
            else (),
        ),
        MetricFamily(
            "flexledger_provisional_instruments",
            "gauge",
            "Instruments whose latest daily snapshot is provisional.",
            (Sample(stored.provisional),),
        ),
        MetricFamily(
            "flexledger_corporate_action_cases_unresolved",
            "gauge",
            "Corporate-action cases still open (SPEC §10).",
            (Sample(unresolved),),
        ),
    ]
    days_left = token_days_left(settings)
    if days_left is not None:
        families.append(
            MetricFamily(
                "flexledger_flex_token_expiry_days",
                "gauge",
                "Days until IBKR_FLEX_TOKEN_EXPIRES (negative once past).",
                (Sample(days_left),),
            )
        )
    return families


def _run_counts(
    name: str, help_text: str, counts: dict[tuple[str, str], int]
) -> MetricFamily:
    # Every status x type pair is present, 0 when none: a series that appears only
    # after the first failure makes rate() and alert rules miss the first one.
    samples: Sequence[Sample] = [
        Sample(
            counts.get((status.value, run_type.value), 0),
            (("status", status.value), ("run_type", run_type.value)),
        )
        for status in RunStatus
        for run_type in RunType
    ]
    return MetricFamily(name, "gauge", help_text, tuple(samples))


def _bound(seconds: float) -> str:
    # Prometheus clients write bounds as floats ("900.0"); the same text keeps
    # `le` label values stable if the bounds ever come from a client library.
    return repr(float(seconds))
