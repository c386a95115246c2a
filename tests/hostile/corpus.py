"""The hostile-input corpus (T04, T05, T15, T16), generated in code at test time.

Nothing large is committed: every case is derived from the public fixtures in
tests/data/flex or built from a few lines here, with `random.Random` seeded by the
case family and fixture name, so the same names always give the same bytes and a
failing case replays from its name alone.

Each `Case` says what must happen: `REJECT` cases must end in one of the listed
`FlexLedgerError` codes, `ACCEPT` cases must read (and map) successfully, `EITHER`
cases (byte flips, odd values) may do either, but never anything else. Crashers
found by fuzzing are kept in `REGRESSIONS` with the bug they found.
"""

from __future__ import annotations

import enum
import gzip
import os
import random
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from lxml import etree

from tests.fixtures.flex_files import ALL_FIXTURES, FLEX_DIR, NOT_WELL_FORMED

SEED = 20260915
# FLEXLEDGER_HOSTILE_CORPUS=full gives T04's nightly size (64 cuts per fixture);
# every CI run takes 24, which keeps the whole suite near a minute.
FULL = os.environ.get("FLEXLEDGER_HOSTILE_CORPUS") == "full"
TRUNCATIONS_PER_FIXTURE = 64 if FULL else 24
FLIPS_PER_FIXTURE = 10
# The one fixture above 100 KB would dominate the time of every per-byte family;
# it still gets its encodings, structure and a few cuts.
LARGE_FIXTURE_BYTES = 200_000
LARGE_FIXTURE_CUTS = 6

# A fixture with trades, cash rows and corporate actions: the structural mutants'
# and the database corpus' base, so mutants reach the mappers and the ledger.
BASE_FIXTURE = FLEX_DIR / "OSadovy__uabean__beancount.xml"

READ_ERRORS = frozenset(
    {
        "MALFORMED_STATEMENT",
        "STATEMENT_TRUNCATED",
        "UNSAFE_XML",
        "NOT_A_FLEX_STATEMENT",
        "STATEMENT_TOO_LARGE",
    }
)


class Expect(enum.Enum):
    """What a case must end in."""

    REJECT = "reject"  # a typed error whose code is in `Case.codes`
    ACCEPT = "accept"  # read and mapped without an error
    EITHER = "either"  # either of the above, nothing else


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile or malformed payload.

    Attributes:
        name: stable id, ``family/fixture/detail``; the test id.
        data: the payload bytes.
        expect: what must happen.
        codes: the acceptable error codes when rejected (REJECT and EITHER).
    """

    name: str
    data: bytes
    expect: Expect
    codes: frozenset[str] = READ_ERRORS

    @property
    def family(self) -> str:
        """The first segment of the name (truncation, flip, encoding…)."""
        return self.name.split("/", 1)[0]


def _stem(path: Path) -> str:
    # Fixture names are long; their tail is unique and reads fine in a test id.
    return path.stem.rsplit("__", 1)[-1]


@cache
def fixture_bytes(path: Path) -> bytes:
    """A fixture's bytes, read once per process."""
    return path.read_bytes()


def _rng(family: str, path: Path) -> random.Random:
    # A str seed is hashed with SHA-512 by `random`: stable across runs and hosts.
    return random.Random(f"{SEED}:{family}:{path.name}")  # noqa: S311 - replayable, not secret


def _root_start_end(data: bytes) -> int:
    """The offset just past the root element's start tag."""
    start = data.find(b"<FlexQueryResponse")
    return data.find(b">", start) + 1


# ---------------------------------------------------------------- truncations


def truncations(path: Path, count: int = TRUNCATIONS_PER_FIXTURE) -> Iterator[Case]:
    """Cuts at `count` seeded offsets, plus mid-character and mid-tag cuts.

    A cut after the root start tag is a truncated download and must say so; a cut
    before it may also read as empty or not XML. The one fixture that is not
    well-formed may fail on its bare '&' first.
    """
    data = fixture_bytes(path)
    body = len(data.rstrip())
    rng = _rng("truncation", path)
    if len(data) > LARGE_FIXTURE_BYTES:
        count = LARGE_FIXTURE_CUTS
    offsets = set(rng.sample(range(1, body), min(count, body - 1)))
    # Inside a multi-byte UTF-8 character, and right after an element's '<'.
    multibyte = re.search(rb"[\xc2-\xf4][\x80-\xbf]", data)
    if multibyte:
        offsets.add(multibyte.start() + 1)
    offsets.add(data.rfind(b"<") + 1)
    root_end = _root_start_end(data)
    for offset in sorted(offsets):
        after_root = offset >= root_end and path.name != NOT_WELL_FORMED
        codes = frozenset({"STATEMENT_TRUNCATED"}) if after_root else READ_ERRORS
        yield Case(
            f"truncation/{_stem(path)}/@{offset}", data[:offset], Expect.REJECT, codes
        )


# ---------------------------------------------------------------- byte flips


def byte_flips(path: Path, count: int = FLIPS_PER_FIXTURE) -> Iterator[Case]:
    """One byte XOR-ed with a random non-zero mask, at `count` seeded offsets."""
    data = fixture_bytes(path)
    rng = _rng("flip", path)
    for _ in range(count):
        offset = rng.randrange(len(data))
        mask = rng.randrange(1, 256)
        mutated = bytearray(data)
        mutated[offset] ^= mask
        yield Case(
            f"flip/{_stem(path)}/@{offset}^{mask:02x}", bytes(mutated), Expect.EITHER
        )


# ---------------------------------------------------------------- encodings

_DECLARATION = re.compile(rb"\A\s*<\?xml[^>]*\?>\s*")
_ACCENTED = "Société Générale \u2013 Ærø"  # Latin-1 has all but the dash


def _without_declaration(data: bytes) -> bytes:
    return _DECLARATION.sub(b"", data.removeprefix(b"\xef\xbb\xbf"), count=1)


def _with_accents(data: bytes, text: str) -> bytes:
    """The fixture with non-ASCII text in its root element (a new attribute)."""
    body = _without_declaration(data)
    marker = b"<FlexQueryResponse"
    return body.replace(marker, marker + f' note="{text}"'.encode(), 1)


def encodings(path: Path) -> Iterator[Case]:
    """T16: BOMs, UTF-16 and -32, Latin-1 declared or not, invalid UTF-8, NUL."""
    data = fixture_bytes(path)
    plain = _without_declaration(data)
    stem = _stem(path)
    text = plain.decode("utf-8")
    latin = _ACCENTED.replace("\u2013", "-")
    yield Case(f"encoding/{stem}/utf8-bom", b"\xef\xbb\xbf" + plain, Expect.ACCEPT)
    yield Case(
        f"encoding/{stem}/utf8-bom-declaration",
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n' + plain,
        Expect.ACCEPT,
    )
    yield Case(
        f"encoding/{stem}/utf8-accents",
        _with_accents(data, _ACCENTED),
        Expect.ACCEPT,
    )
    yield Case(
        f"encoding/{stem}/latin1-declared",
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        + _with_accents(data, latin).decode("utf-8").encode("latin-1", "replace"),
        Expect.ACCEPT,
    )
    malformed = frozenset({"MALFORMED_STATEMENT"})
    yield Case(
        f"encoding/{stem}/latin1-undeclared",
        _with_accents(data, latin).decode("utf-8").encode("latin-1", "replace"),
        Expect.REJECT,
        malformed,
    )
    yield Case(
        f"encoding/{stem}/latin1-declared-utf8",
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + _with_accents(data, latin).decode("utf-8").encode("latin-1", "replace"),
        Expect.REJECT,
        malformed,
    )
    for codec, bom in (
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
    ):
        encoded = text.encode(codec)
        yield Case(
            f"encoding/{stem}/{codec}-bom", bom + encoded, Expect.REJECT, malformed
        )
        yield Case(f"encoding/{stem}/{codec}", encoded, Expect.REJECT, malformed)
    declared16 = '<?xml version="1.0" encoding="UTF-16"?>\n' + text
    yield Case(
        f"encoding/{stem}/utf-16-declared-bom",
        b"\xff\xfe" + declared16.encode("utf-16-le"),
        Expect.REJECT,
        malformed,
    )
    for label, bad in (
        ("lone-continuation", b"\x80"),
        ("overlong", b"\xc0\xaf"),
        ("surrogate", b"\xed\xa0\x80"),
        ("beyond-unicode", b"\xf4\x90\x80\x80"),
        ("cut-sequence", b"\xe2\x82"),
        ("nul", b"\x00"),
        ("control", b"\x01"),
    ):
        yield Case(
            f"encoding/{stem}/{label}",
            _with_accents(data, "x").replace(b'note="x"', b'note="' + bad + b'"', 1),
            Expect.REJECT,
            malformed,
        )
    yield Case(
        f"encoding/{stem}/declared-windows-1252",
        b'<?xml version="1.0" encoding="windows-1252"?>\n'
        + _with_accents(data, latin).decode("utf-8").encode("cp1252", "replace"),
        Expect.EITHER,
    )
    yield Case(
        f"encoding/{stem}/declared-unknown",
        b'<?xml version="1.0" encoding="x-no-such-codec"?>\n' + plain,
        Expect.REJECT,
        malformed,
    )


# ---------------------------------------------------------------- structure


def _tree(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(fixture_bytes(path), parser)


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def _statement(root: etree._Element) -> etree._Element:
    found = root.find("FlexStatements/FlexStatement")
    assert found is not None
    return found


def _sections(root: etree._Element) -> list[etree._Element]:
    return [s for s in _statement(root) if isinstance(s.tag, str)]


def _rows(root: etree._Element, tag: str) -> list[etree._Element]:
    return list(root.iter(tag))


Mutation = Callable[[etree._Element], None]


def _drop_section(index: int) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _statement(root).remove(_sections(root)[index])

    return mutate


def _duplicate_sections(root: etree._Element) -> None:
    statement = _statement(root)
    for section in _sections(root):
        statement.append(_copy(section))


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


def _reverse_sections(root: etree._Element) -> None:
    statement = _statement(root)
    sections = _sections(root)
    for section in sections:
        statement.remove(section)
    for section in reversed(sections):
        statement.append(section)


def _row_to(where: str) -> Mutation:
    """Move the first Trade out of its section: up to the statement, or beyond."""

    def mutate(root: etree._Element) -> None:
        row = _rows(root, "Trade")[0]
        parent = row.getparent()
        assert parent is not None
        parent.remove(row)
        target = {
            "statement": _statement(root),
            "statements": root.find("FlexStatements"),
            "root": root,
        }[where]
        assert target is not None
        target.append(row)

    return mutate


def _row_in_wrong_section(root: etree._Element) -> None:
    row = _rows(root, "Trade")[0]
    cash = root.find(".//CashTransactions")
    assert cash is not None
    cash.append(_copy(row))


def _nested_statements(root: etree._Element) -> None:
    statement = _statement(root)
    inner = etree.SubElement(statement, "FlexStatements", count="1")
    inner.append(_copy(statement))


def _statement_in_statement(root: etree._Element) -> None:
    statement = _statement(root)
    statement.append(_copy(statement))


def _duplicate_statement(root: etree._Element) -> None:
    statements = root.find("FlexStatements")
    assert statements is not None
    statements.append(_copy(_statement(root)))


def _set_root(name: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        root.set(name, value)

    return mutate


def _set_count(value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        statements = root.find("FlexStatements")
        assert statements is not None
        statements.set("count", value)

    return mutate


def _set_statement(name: str, value: str | None) -> Mutation:
    def mutate(root: etree._Element) -> None:
        statement = _statement(root)
        if value is not None:
            statement.set(name, value)
        elif name in statement.attrib:
            del statement.attrib[name]

    return mutate


def _set_rows(tag: str, name: str, value: str | None) -> Mutation:
    """Every `tag` row's `name` set to `value` (None removes it)."""

    def mutate(root: etree._Element) -> None:
        for row in _rows(root, tag):
            if value is not None:
                row.set(name, value)
            elif name in row.attrib:
                del row.attrib[name]

    return mutate


def _empty_sections(root: etree._Element) -> None:
    for section in _sections(root):
        for child in list(section):
            section.remove(child)


def _no_sections(root: etree._Element) -> None:
    statement = _statement(root)
    for section in _sections(root):
        statement.remove(section)


def _no_statement(root: etree._Element) -> None:
    statements = root.find("FlexStatements")
    assert statements is not None
    statements.remove(_statement(root))


def _unknown_names(root: etree._Element) -> None:
    """T15: 50 unknown attributes and 5 unknown sections."""
    rows = [row for section in _sections(root) for row in section]
    for number in range(50):
        rows[number % len(rows)].set(f"driftAttr{number:02d}", f"v{number}")
    statement = _statement(root)
    for number in range(5):
        section = etree.SubElement(statement, f"DriftSection{number}")
        etree.SubElement(section, f"DriftRow{number}", driftId=str(number))


def _text_and_comments(root: etree._Element) -> None:
    for section in _sections(root):
        section.text = "\n  stray text & <escaped> \n"
        section.insert(0, etree.Comment(" a comment "))
        section.append(etree.ProcessingInstruction("pi", "data"))


def _wrap_rows(root: etree._Element) -> None:
    """Rows one level deeper, in a container with attributes of its own."""
    for section in _sections(root):
        rows = list(section)
        if not rows:
            continue
        wrapper = etree.SubElement(section, "Wrapper", containerAttr="1")
        for row in rows:
            section.remove(row)
            wrapper.append(row)


def _namespaced(root: etree._Element) -> None:
    root.set("xmlns", "http://example.invalid/flex")


ODD_VALUES = {
    "nan": "NaN",
    "snan": "sNaN",
    "infinity": "-Infinity",
    "1e999": "1e999",
    "1e-999": "1e-999",
    "1e999999999": "1e999999999",
    "huge": "9" * 5000,
    "huge-fraction": "0." + "1" * 5000,
    "above-column": "12345678901234567.5",
    "negative-zero": "-0",
    "grouped": "1,234,567.891",
    "euro-comma": "12,5",
    "word": "abc",
    "underscore": "1_000",
    "arabic-digits": "\u0661\u0662",
    "spaces": "  42  ",
    "empty": "",
    "null-token": "N/A",
    "hex": "0x1F",
}
ODD_DATES = {
    "feb30": "20240230",
    "month13": "20241301",
    "year0": "00000101",
    "year9999-end": "99991231",
    "ambiguous": "05/02/2013",
    "word": "yesterday",
    "long": "2" * 5000,
}
ODD_INSTANTS = {
    "feb30": "20240230;101010",
    "hour25": "20240101;250000",
    "leap-second": "20161231;235960",
    "zone-unknown": "20240101;101010 XYZ",
    "zone-ambiguous": "20240101;101010 IST",
    "offset-99": "2024-01-01T10:10:10+99:00",
    "year9999-utc+": "9999-12-31T23:59:59-05:00",
    "year1-utc-": "0001-01-01T00:00:00+05:00",
    "date-only": "20240101",
}


def _structural_mutations(path: Path) -> Iterator[tuple[str, Mutation, Expect]]:
    root = _tree(path)
    for index, section in enumerate(_sections(root)):
        yield f"drop-section-{section.tag}", _drop_section(index), Expect.ACCEPT
    yield "duplicate-sections", _duplicate_sections, Expect.ACCEPT
    yield "reverse-sections", _reverse_sections, Expect.ACCEPT
    yield "row-under-statement", _row_to("statement"), Expect.ACCEPT
    yield "row-under-statements", _row_to("statements"), Expect.ACCEPT
    yield "row-under-root", _row_to("root"), Expect.ACCEPT
    yield "row-in-wrong-section", _row_in_wrong_section, Expect.ACCEPT
    yield "nested-flexstatements", _nested_statements, Expect.EITHER
    yield "statement-in-statement", _statement_in_statement, Expect.EITHER
    yield "duplicate-statement", _duplicate_statement, Expect.ACCEPT
    yield "count-mismatch", _set_count("7"), Expect.ACCEPT
    yield "count-not-a-number", _set_count("many"), Expect.ACCEPT
    yield "count-negative", _set_count("-1"), Expect.ACCEPT
    yield "query-type-tcf", _set_root("type", "TCF"), Expect.ACCEPT
    yield "namespace", _namespaced, Expect.ACCEPT
    yield "no-account-id", _set_statement("accountId", None), Expect.ACCEPT
    yield "empty-account-id", _set_statement("accountId", ""), Expect.ACCEPT
    yield "to-date-feb30", _set_statement("toDate", "20240230"), Expect.ACCEPT
    yield "to-date-word", _set_statement("toDate", "soon"), Expect.ACCEPT
    yield "empty-sections", _empty_sections, Expect.ACCEPT
    yield "no-sections", _no_sections, Expect.ACCEPT
    yield "no-statement", _no_statement, Expect.ACCEPT
    yield "unknown-names", _unknown_names, Expect.ACCEPT
    yield "text-and-comments", _text_and_comments, Expect.ACCEPT
    yield "wrapped-rows", _wrap_rows, Expect.ACCEPT
    for tag, names in (
        ("Trade", ("ibExecID", "conid", "currency", "buySell", "dateTime")),
        ("CashTransaction", ("transactionID", "amount", "type", "reportDate")),
        ("CorporateAction", ("type", "conid", "actionID")),
    ):
        for name in names:
            yield f"missing-{tag}-{name}", _set_rows(tag, name, None), Expect.ACCEPT
    for label, value in ODD_VALUES.items():
        for tag, name in (
            ("Trade", "quantity"),
            ("Trade", "tradePrice"),
            ("Trade", "fxRateToBase"),
            ("CashTransaction", "amount"),
            ("CashTransaction", "fxRateToBase"),
            ("CorporateAction", "quantity"),
        ):
            yield (
                f"value-{tag}-{name}-{label}",
                _set_rows(tag, name, value),
                Expect.ACCEPT,
            )
    for label, value in ODD_DATES.items():
        for tag in ("Trade", "CashTransaction", "CorporateAction"):
            yield (
                f"date-{tag}-{label}",
                _set_rows(tag, "reportDate", value),
                Expect.ACCEPT,
            )
    for label, value in ODD_INSTANTS.items():
        for tag in ("Trade", "CashTransaction"):
            yield (
                f"instant-{tag}-{label}",
                _set_rows(tag, "dateTime", value),
                Expect.ACCEPT,
            )
    yield "side-garbage", _set_rows("Trade", "buySell", "HOLD"), Expect.ACCEPT
    yield (
        "category-long",
        _set_rows("Trade", "assetCategory", "S" * 10_000),
        Expect.ACCEPT,
    )
    yield "conid-long", _set_rows("Trade", "conid", "7" * 10_000), Expect.ACCEPT
    yield "currency-odd", _set_rows("Trade", "currency", "\u202eDSU"), Expect.ACCEPT


def structural(path: Path = BASE_FIXTURE) -> Iterator[Case]:
    """Mutants of one fixture's tree: sections, rows, statements, attribute values."""
    stem = _stem(path)
    for label, mutate, expect in _structural_mutations(path):
        root = _tree(path)
        mutate(root)
        yield Case(f"structure/{stem}/{label}", _bytes(root), expect)


def raw_structural(path: Path = BASE_FIXTURE) -> Iterator[Case]:
    """Mutants only bytes can express: broken nesting, attributes, references."""
    data = _without_declaration(fixture_bytes(path))
    stem = _stem(path)
    malformed = frozenset({"MALFORMED_STATEMENT"})
    swaps: dict[str, tuple[bytes, bytes]] = {
        "unclosed-section": (b"</Trades>", b""),
        "mismatched-close": (b"</Trades>", b"</CashTransactions>"),
        "duplicate-attribute": (b"<Trade ", b'<Trade conid="1" conid="2" '),
        "unquoted-attribute": (b"<Trade ", b"<Trade x=1 "),
        "bare-ampersand": (b"<Trade ", b'<Trade x="a & b" '),
        "lt-in-value": (b"<Trade ", b'<Trade x="a < b" '),
        "undefined-entity": (b"<Trade ", b'<Trade x="&nbsp;" '),
        "char-ref-nul": (b"<Trade ", b'<Trade x="&#0;" '),
        "char-ref-huge": (b"<Trade ", b'<Trade x="&#99999999999;" '),
        "second-root": (b"</FlexQueryResponse>", b"</FlexQueryResponse><Extra/>"),
        "doctype-after-root": (b"<Trades>", b"<Trades><!DOCTYPE x>"),
        "entity-decl-inside": (b"<Trades>", b'<Trades><!ENTITY x "y">'),
    }
    for label, (old, new) in swaps.items():
        yield Case(
            f"bytes/{stem}/{label}", data.replace(old, new, 1), Expect.REJECT, malformed
        )
    yield Case(
        f"bytes/{stem}/trailing-garbage",
        data + b"\x00garbage",
        Expect.REJECT,
        malformed,
    )
    yield Case(
        f"bytes/{stem}/trailing-comment", data + b"\n<!-- end -->\n", Expect.ACCEPT
    )
    yield Case(
        f"bytes/{stem}/predefined-entities",
        data.replace(
            b"<Trade ", b'<Trade x="&lt;&gt;&amp;&quot;&apos;&#65;&#x42;" ', 1
        ),
        Expect.ACCEPT,
    )
    yield Case(
        f"bytes/{stem}/cdata-in-section",
        data.replace(b"<Trades>", b"<Trades><![CDATA[<Trade/>]]>", 1),
        Expect.ACCEPT,
    )
    yield Case(f"bytes/{stem}/crlf", data.replace(b"\n", b"\r\n"), Expect.ACCEPT)


# ---------------------------------------------------------------- foreign bodies


def foreign() -> Iterator[Case]:
    """Bodies that are not Flex statements at all."""
    not_flex = frozenset({"NOT_A_FLEX_STATEMENT"})
    malformed = frozenset({"MALFORMED_STATEMENT"})
    bodies: list[tuple[str, bytes, frozenset[str]]] = [
        ("empty", b"", malformed),
        ("whitespace", b" \t\r\n" * 100, malformed),
        ("bom-only", b"\xef\xbb\xbf", malformed),
        ("bom-whitespace", b"\xef\xbb\xbf  \n", malformed),
        (
            "html",
            b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
            not_flex,
        ),
        ("html-lowercase-doctype", b"\n\n<!doctype html>\n<html lang=en>", not_flex),
        ("html-no-doctype", b"<html><head><title>502</title></head></html>", not_flex),
        (
            "xhtml",
            b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"/>',
            not_flex,
        ),
        ("csv", b'"ClientAccountID","Symbol","Quantity"\n"U1","ACME","10"\n', not_flex),
        ("csv-bom", b'\xef\xbb\xbf"BOF","U1","1"\n', not_flex),
        ("text-pipe", b"BOF|U1|ActivityQuery|1\n", not_flex),
        ("tsv", b"a\tb\tc\n1\t2\t3\n", not_flex),
        ("json", b'{"status": "error", "code": 1019}', not_flex),
        ("json-array", b"[1, 2, 3]", not_flex),
        ("pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", malformed),
        ("zip", b"PK\x03\x04" + bytes(26), malformed),
        ("png", b"\x89PNG\r\n\x1a\n" + bytes(16), malformed),
        (
            "gzip-inside-gzip",
            gzip.compress(gzip.compress(b"<FlexQueryResponse/>")),
            malformed,
        ),
        ("other-root", b"<Statement><Trade/></Statement>", not_flex),
        (
            "envelope",
            b"<FlexStatementResponse><Status>Fail</Status><ErrorCode>1019</ErrorCode>"
            b"</FlexStatementResponse>",
            not_flex,
        ),
        (
            "only-declaration",
            b'<?xml version="1.0"?>',
            frozenset({"STATEMENT_TRUNCATED"}),
        ),
        ("only-comment", b"<!-- nothing -->", frozenset({"STATEMENT_TRUNCATED"})),
        ("lt-only", b"<", frozenset({"STATEMENT_TRUNCATED"})),
        ("closing-tag-first", b"</FlexQueryResponse>", malformed),
    ]
    for label, body, codes in bodies:
        yield Case(f"foreign/{label}", body, Expect.REJECT, codes)


# ---------------------------------------------------------------- XML attacks

UNSAFE = frozenset({"UNSAFE_XML"})
_STATEMENT_TAIL = (
    b'<FlexQueryResponse queryName="q" type="AF"><FlexStatements count="1">'
    b'<FlexStatement accountId="DUMMYID1" toDate="20001007">'
)
_STATEMENT_END = b"</FlexStatement></FlexStatements></FlexQueryResponse>"


def attacks(*, canary_url: str, listener_url: str) -> Iterator[Case]:
    """T05: entity expansion, external entities and DTDs, absurd sizes.

    Args:
        canary_url: a ``file://`` URL of a file whose content must never be read.
        listener_url: an ``http://`` URL of a listener that must get no connection.
    """
    laughs = b"".join(
        b'<!ENTITY l%d "%s">' % (level, (b"&l%d;" % (level - 1)) * 10)
        for level in range(1, 10)
    )
    yield Case(
        "attack/billion-laughs",
        b'<?xml version="1.0"?><!DOCTYPE FlexQueryResponse [<!ENTITY l0 "lol">'
        + laughs
        + b"]>"
        + _STATEMENT_TAIL
        + b'<Trades><Trade x="&l9;"/></Trades>'
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/quadratic-blowup",
        b'<!DOCTYPE r [<!ENTITY a "'
        + b"x" * 100_000
        + b'">]>'
        + _STATEMENT_TAIL
        + b'<Trades><Trade x="'
        + b"&a;" * 100_000
        + b'"/></Trades>'
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/xxe-file",
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{canary_url}">]>'.encode()
        + _STATEMENT_TAIL
        + b'<Trades><Trade x="&x;"/></Trades>&x;'
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/xxe-http",
        f'<!DOCTYPE r [<!ENTITY x SYSTEM "{listener_url}/xxe">]>'.encode()
        + _STATEMENT_TAIL
        + b"&x;"
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/external-dtd",
        f'<!DOCTYPE FlexQueryResponse SYSTEM "{listener_url}/flex.dtd">'.encode()
        + _STATEMENT_TAIL
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/external-dtd-public",
        f'<!DOCTYPE FlexQueryResponse PUBLIC "-//X//Y" "{canary_url}">'.encode()
        + _STATEMENT_TAIL
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/parameter-entity",
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{listener_url}/p.dtd"> %p;]>'.encode()
        + _STATEMENT_TAIL
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/parameter-entity-file",
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{canary_url}"> %p;]>'.encode()
        + _STATEMENT_TAIL
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/xinclude",
        _STATEMENT_TAIL.replace(
            b"<FlexStatement ",
            b'<FlexStatement xmlns:xi="http://www.w3.org/2001/XInclude" ',
        )
        + f'<Trades><xi:include href="{canary_url}" parse="text"/></Trades>'.encode()
        + _STATEMENT_END,
        Expect.ACCEPT,
    )
    # The prolog check reads bytes as ASCII; these hide a DOCTYPE from it.
    for label, prefix in (
        ("doctype-utf16", b"\xff\xfe"),
        ("doctype-utf16-no-bom", b""),
    ):
        doctype = f'<!DOCTYPE r [<!ENTITY x SYSTEM "{canary_url}">]><FlexQueryResponse a="&x;"/>'
        yield Case(
            f"attack/{label}",
            prefix + doctype.encode("utf-16-le"),
            Expect.REJECT,
            UNSAFE | {"MALFORMED_STATEMENT"},
        )
    padded = b'<?xml version="1.0"?>' + b"<!-- pad -->" * 6000
    yield Case(
        "attack/doctype-past-prolog-window",
        padded + b'<!DOCTYPE r [<!ENTITY a "x">]>' + _STATEMENT_TAIL + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/deep-nesting-100k",
        _STATEMENT_TAIL + b"<a>" * 100_000 + b"</a>" * 100_000 + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/deep-nesting-unclosed-1m",
        _STATEMENT_TAIL + b"<a>" * 1_000_000,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/huge-attribute-50mb",
        _STATEMENT_TAIL
        + b'<Trades><Trade transactionID="1" x="'
        + b"A" * (50 * 1024 * 1024)
        + b'"/></Trades>'
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/huge-text-50mb",
        _STATEMENT_TAIL
        + b"<Trades>"
        + b"t" * (50 * 1024 * 1024)
        + b"</Trades>"
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/many-attributes-1m",
        _STATEMENT_TAIL
        + b"<Trades><Trade "
        + b" ".join(b'a%d="1"' % n for n in range(1_000_000))
        + b"/></Trades>"
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/many-attributes-under-token-cap",
        _STATEMENT_TAIL
        + b"<Trades><Trade "
        + b" ".join(b"a%x=''" % n for n in range(200_000))
        + b"/></Trades>"
        + _STATEMENT_END,
        Expect.REJECT,
        UNSAFE,
    )
    yield Case(
        "attack/many-rows-2mb-values",
        _STATEMENT_TAIL
        + b"<Trades>"
        + (b'<Trade transactionID="1" x="' + b"v" * 2_000_000 + b'"/>') * 8
        + b"</Trades>"
        + _STATEMENT_END,
        Expect.ACCEPT,
    )
    yield Case(
        "attack/wide-element-10k-children",
        _STATEMENT_TAIL
        + b"<Trades>"
        + b"<Trade/>" * 10_000
        + b"</Trades>"
        + _STATEMENT_END,
        Expect.ACCEPT,
    )


def gzip_bomb(expanded_bytes: int) -> bytes:
    """A gzip file of NUL bytes expanding to `expanded_bytes`, built in milliseconds.

    gzip allows concatenated members and every reader must decompress them all, so
    one compressed MiB repeated is a bomb of any size at about 1:1000.
    """
    member = gzip.compress(b"\x00" * (1 << 20), compresslevel=9, mtime=0)
    return member * (expanded_bytes >> 20)


def gzip_cases() -> Iterator[tuple[str, bytes, frozenset[str]]]:
    """Broken compressed files: cut, bad checksum, garbage after a member."""
    whole = gzip.compress(fixture_bytes(BASE_FIXTURE), mtime=0)
    malformed = frozenset({"MALFORMED_STATEMENT"})
    yield "gzip-truncated", whole[: len(whole) // 2], malformed
    flipped = bytearray(whole)
    flipped[-6] ^= 0xFF  # inside the CRC-32 trailer
    yield "gzip-bad-crc", bytes(flipped), malformed
    yield "gzip-trailing-garbage", whole + b"garbage!", malformed
    yield "gzip-header-only", whole[:10], malformed
    deflate = zlib.compress(fixture_bytes(BASE_FIXTURE))
    yield "zlib-not-gzip", deflate, malformed


# ---------------------------------------------------------------- regressions

# Crashers and misreadings the corpus and the fuzz properties found, kept as cases
# (tests/hostile/test_fuzz.py has the row-level ones). Each names its bug.
_MALFORMED = frozenset({"MALFORMED_STATEMENT"})
REGRESSIONS: tuple[Case, ...] = (
    # LookupError escaped pyexpat's unknown-encoding handler.
    Case(
        "regression/declared-unknown-encoding",
        b'<?xml version="1.0" encoding="x-none"?><FlexQueryResponse/>',
        Expect.REJECT,
        _MALFORMED,
    ),
    # ValueError ("multi-byte encodings are not supported") escaped pyexpat.
    Case(
        "regression/declared-multibyte-encoding",
        b'<?xml version="1.0" encoding="shift_jis"?><FlexQueryResponse/>',
        Expect.REJECT,
        _MALFORMED,
    ),
    # UTF-16 without a BOM passed the ASCII prolog check and was read by Expat.
    Case(
        "regression/utf16-without-bom",
        "<FlexQueryResponse/>".encode("utf-16-le"),
        Expect.REJECT,
        _MALFORMED,
    ),
    # A file cut inside its XML declaration was reported as UNSAFE_XML.
    Case(
        "regression/cut-in-declaration",
        b'<?xml version="1.0" enc',
        Expect.REJECT,
        frozenset({"STATEMENT_TRUNCATED"}),
    ),
)


# ---------------------------------------------------------------- the corpus


# The large fixture's encodings worth its read time (accepted ones map it whole,
# seconds each; the small fixtures cover acceptance).
_LARGE_ENCODINGS = ("/utf-16-le-bom", "/latin1-undeclared", "/declared-unknown")


def _per_fixture(path: Path) -> Iterator[Case]:
    large = len(fixture_bytes(path)) > LARGE_FIXTURE_BYTES
    yield from truncations(path)
    yield from byte_flips(path, count=2 if large else FLIPS_PER_FIXTURE)
    for variant in encodings(path):
        if large and not variant.name.endswith(_LARGE_ENCODINGS):
            continue
        if path.name == NOT_WELL_FORMED and variant.expect is not Expect.REJECT:
            # Its bare '&' fails every variant that keeps it.
            yield replace(variant, expect=Expect.REJECT)
        else:
            yield variant


def reader_corpus() -> list[Case]:
    """Every case of T04 and T16 that needs no database (attacks are separate)."""
    cases: list[Case] = []
    for path in ALL_FIXTURES:
        cases.extend(_per_fixture(path))
    cases.extend(structural())
    cases.extend(raw_structural())
    cases.extend(foreign())
    cases.extend(REGRESSIONS)
    return cases


def database_corpus() -> list[Case]:
    """The subset run through a real import on both databases.

    Every family is represented, on the base fixture so the mutants pass the
    account check and reach mapping and the ledger; the reader corpus has the
    breadth, this has the stored-data check.
    """
    cases: list[Case] = []
    cases.extend(truncations(BASE_FIXTURE, count=4))
    cases.extend(byte_flips(BASE_FIXTURE, count=4))
    cases.extend(
        case
        for case in encodings(BASE_FIXTURE)
        if case.name.endswith(
            (
                "/utf8-bom",
                "/latin1-declared",
                "/latin1-undeclared",
                "/utf-16-le-bom",
                "/utf-16-le",
                "/surrogate",
                "/nul",
                "/declared-unknown",
            )
        )
    )
    wanted = re.compile(
        r"/(drop-section-Trades|duplicate-sections|row-under-statement$|nested-"
        r"|statement-in|duplicate-statement|no-statement|query-type|unknown-names"
        r"|missing-Trade-conid|missing-CashTransaction-amount"
        r"|value-(Trade-quantity|CashTransaction-fxRateToBase)-(1e999|huge|nan)$"
        r"|value-Trade-tradePrice-above-column"
        r"|date-Trade-feb30|instant-Trade-(hour25|year9999))"
    )
    cases.extend(case for case in structural() if wanted.search(case.name))
    cases.extend(
        case
        for case in raw_structural()
        if case.name.endswith(
            (
                "/bare-ampersand",
                "/mismatched-close",
                "/second-root",
                "/char-ref-nul",
                "/trailing-garbage",
                "/crlf",
            )
        )
    )
    cases.extend(
        case
        for case in foreign()
        if case.name.endswith(
            (
                "/empty",
                "/whitespace",
                "/html",
                "/csv",
                "/json",
                "/envelope",
                "/gzip-inside-gzip",
                "/only-declaration",
            )
        )
    )
    cases.extend(REGRESSIONS)
    return cases
