"""Golden files: every public fixture mapped, events and diagnostics as JSON.

Run with FLEXLEDGER_UPDATE_GOLDENS=1 to rewrite them after a deliberate change,
then review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flexledger.mapping.registry import MapperRegistry, Outcome
from tests.fixtures.flex_files import ALL_FIXTURES, NOT_WELL_FORMED
from tests.fixtures.registry import installed_registry
from tests.mapping.golden import dumps, golden_path, iter_goldens, map_file

MAPPABLE = [path for path in ALL_FIXTURES if path.name != NOT_WELL_FORMED]
UPDATE = os.environ.get("FLEXLEDGER_UPDATE_GOLDENS") == "1"


@pytest.fixture(scope="module")
def registry() -> MapperRegistry:
    return installed_registry()


@pytest.mark.parametrize("fixture", MAPPABLE, ids=lambda path: path.stem)
def test_mapping_matches_its_golden_file(
    fixture: Path, registry: MapperRegistry
) -> None:
    _result, document = map_file(fixture, registry)
    text = dumps(document)
    golden = golden_path(fixture)
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), "no golden file; run with FLEXLEDGER_UPDATE_GOLDENS=1"
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fixture", MAPPABLE, ids=lambda path: path.stem)
def test_every_row_is_mapped_or_has_a_diagnostic(
    fixture: Path, registry: MapperRegistry
) -> None:
    result, _ = map_file(fixture, registry)
    assert result.rows_read == sum(result.outcomes.values())
    # Refs are unique per section within a payload; several contract findings on
    # one row count that row once.
    unmapped = {
        (d.section_name, d.source_row_ref)
        for d in result.diagnostics
        if d.code.value == "mapping.unmapped"
    }
    contract = {
        (d.section_name, d.source_row_ref)
        for d in result.diagnostics
        if d.code.value == "mapping.contract"
    }
    assert len(unmapped) == result.outcomes[Outcome.UNMAPPED]
    assert len(contract) == result.outcomes[Outcome.CONTRACT]
    mapped = result.outcomes[Outcome.MAPPED] + result.outcomes[Outcome.REFERENCE]
    # An empty section is no finding: nothing was in it to map.
    empty = result.outcomes[Outcome.EMPTY]
    assert result.rows_read == mapped + len(unmapped) + len(contract) + empty


def test_no_golden_file_is_orphaned() -> None:
    expected = {golden_path(path) for path in MAPPABLE}
    assert set(iter_goldens()) == expected
