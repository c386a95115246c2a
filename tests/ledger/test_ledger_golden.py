"""Golden ledger outputs: every public fixture's lots, closures, checks, snapshots.

Run with FLEXLEDGER_UPDATE_GOLDENS=1 to rewrite them after a deliberate change,
then review the diff like code. `agreement` at the top of each file is the
per-trade and position agreement table with IBKR's own figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flexledger.mapping.registry import MapperRegistry
from tests.fixtures.flex_files import ALL_FIXTURES, NOT_WELL_FORMED
from tests.fixtures.registry import installed_registry
from tests.ledger.golden import GOLDEN_DIR, document
from tests.mapping.golden import dumps

MAPPABLE = [path for path in ALL_FIXTURES if path.name != NOT_WELL_FORMED]
UPDATE = os.environ.get("FLEXLEDGER_UPDATE_GOLDENS") == "1"


@pytest.fixture(scope="module")
def registry() -> MapperRegistry:
    return installed_registry()


@pytest.mark.parametrize("fixture", MAPPABLE, ids=lambda path: path.stem)
def test_ledger_matches_its_golden_file(
    fixture: Path, registry: MapperRegistry
) -> None:
    text = dumps(document(fixture, registry))
    golden = GOLDEN_DIR / (fixture.stem + ".json")
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), "no golden file; run with FLEXLEDGER_UPDATE_GOLDENS=1"
    assert text == golden.read_text(encoding="utf-8")


def test_no_ledger_golden_file_is_orphaned() -> None:
    expected = {path.stem + ".json" for path in MAPPABLE}
    assert {p.name for p in GOLDEN_DIR.glob("*.json")} <= expected
