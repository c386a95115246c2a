"""The stage timeline of a run (SPEC §5.6), also written as structured log lines."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from flexledger.domain.clock import utc_now
from flexledger.domain.runs import Stage, StageStatus

logger = logging.getLogger("flexledger.ingestion")


class Timeline:
    """Collects `{stage, status, at_utc, details?}` events for one run."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.run_id: uuid.UUID | None = None

    def add(self, stage: Stage, status: StageStatus, **details: Any) -> None:
        """Append an event and log it as one JSON line with the run id."""
        event: dict[str, Any] = {
            "stage": stage.value,
            "status": status.value,
            "at_utc": utc_now().isoformat(),
        }
        if details:
            event["details"] = details
        self.events.append(event)
        logger.info(
            json.dumps(
                {"run_id": str(self.run_id) if self.run_id else None, **event},
                default=str,
                sort_keys=True,
            ),
        )
