"""T04, T15, T16 without a database: every corpus case read and mapped.

Every case ends in a typed error or a successful read whose rows all map to an
outcome; nothing else may escape, and each stays within the time and memory bounds.
"""

from __future__ import annotations

from collections import Counter

import pytest

from flexledger.adapter.statement_reader import read_statement
from tests.fixtures.flex_files import ALL_FIXTURES, NOT_WELL_FORMED
from tests.hostile import corpus
from tests.hostile.conftest import figures
from tests.hostile.corpus import Case, Expect
from tests.hostile.harness import (
    MAX_PEAK_BYTES,
    MAX_SECONDS,
    Measured,
    map_everything,
    read_case,
    source_rows,
)

pytestmark = pytest.mark.usefixtures("traced_memory")

CASES = corpus.reader_corpus()


def check(case: Case, measured: Measured, suite: str) -> None:
    """The outcome the case allows, within the bounds; recorded for the figures."""
    figures(suite).record(
        case.name, measured.code or "accepted", measured.seconds, measured.peak_bytes
    )
    if case.expect is Expect.ACCEPT:
        assert measured.accepted, f"{case.name}: {measured.code}: {measured.message}"
    elif case.expect is Expect.REJECT:
        assert not measured.accepted, f"{case.name} was accepted"
    if not measured.accepted:
        assert measured.code in case.codes, f"{case.name}: {measured.message}"
        assert measured.message
    assert measured.seconds < MAX_SECONDS, case.name
    assert measured.peak_bytes < MAX_PEAK_BYTES, case.name


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_case_is_a_typed_error_or_a_mapped_read(case: Case) -> None:
    check(case, read_case(case.data), "reader")


def test_the_corpus_has_every_family_at_its_size() -> None:
    families = Counter(case.family for case in CASES)
    fixtures = len(ALL_FIXTURES)
    assert fixtures >= 40
    assert families["truncation"] >= fixtures * corpus.TRUNCATIONS_PER_FIXTURE * 0.8
    assert families["flip"] >= (fixtures - 1) * corpus.FLIPS_PER_FIXTURE
    assert families["encoding"] >= fixtures * 3
    assert families["structure"] + families["bytes"] >= 50
    assert len({case.name for case in CASES}) == len(CASES)


def _records(data: bytes) -> Counter[tuple[str, str, str]]:
    records, _ = read_statement(data)
    return Counter(
        (r.section_name, r.source_row_ref, repr(sorted(r.attrs.items())))
        for r in records
    )


@pytest.mark.parametrize(
    "variant",
    ["utf8-bom", "utf8-bom-declaration"],
)
def test_a_bom_or_declaration_reads_the_same_rows(variant: str) -> None:
    for path in ALL_FIXTURES[:12]:
        if path.name == NOT_WELL_FORMED:
            continue
        (case,) = [c for c in corpus.encodings(path) if c.name.endswith(variant)]
        assert _records(case.data) == _records(corpus.fixture_bytes(path))


def test_declared_latin1_decodes_to_the_same_text_as_utf8() -> None:
    by_name = {
        case.name.rsplit("/", 1)[1]: case
        for case in corpus.encodings(corpus.BASE_FIXTURE)
    }
    latin1, _ = read_statement(by_name["latin1-declared"].data)
    utf8, _ = read_statement(by_name["utf8-accents"].data)
    assert [r.attrs for r in latin1] == [r.attrs for r in utf8]


def test_reordered_sections_and_markup_noise_read_the_same_rows() -> None:
    base = _records(corpus.fixture_bytes(corpus.BASE_FIXTURE))
    by_name = {c.name.rsplit("/", 1)[1]: c for c in corpus.structural()}
    by_name |= {c.name.rsplit("/", 1)[1]: c for c in corpus.raw_structural()}
    for name in ("reverse-sections", "text-and-comments", "crlf", "trailing-comment"):
        assert _records(by_name[name].data) == base, name


def test_schema_drift_keeps_every_attribute_and_changes_no_mapping() -> None:
    # T15: 50 unknown attributes and 5 unknown sections.
    (drift,) = [c for c in corpus.structural() if c.name.endswith("/unknown-names")]
    records, info = read_statement(drift.data)
    added = {
        name
        for record in records
        for name in record.attrs
        if name.startswith("driftAttr")
    }
    assert len(added) == 50
    sections = {r.section_name for r in records if r.section_name.startswith("Drift")}
    assert len(sections) == 5
    base_records, base_info = read_statement(corpus.fixture_bytes(corpus.BASE_FIXTURE))
    mapped = map_everything(source_rows(records, info))
    baseline = map_everything(source_rows(base_records, base_info))
    assert mapped.events == baseline.events
    assert mapped.outcomes - baseline.outcomes == Counter({"unmapped": 5})
