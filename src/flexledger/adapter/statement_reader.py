"""Hardened, streaming reader: Flex statement bytes → `RawRecord`s, every section kept.

Flex payloads come from the network and from user uploads, so they are untrusted:

* Anything before the root element is checked first. A DOCTYPE (hence any entity
  declaration) is refused: no real Flex statement has one, and it is the door to
  billion-laughs and external-entity attacks. Without a DTD, Expat knows only the
  five predefined entities, and loads nothing from disk or network. A run of more
  than 2 MiB without a '<' is refused before Expat sees it, which bounds
  the large-token slowdown of Expat < 2.6.0 (Python's XML security notes).
* Statements are parsed by the standard library's Expat (pyexpat) with element
  handlers: no element tree is built, so a row costs only its attribute dict and
  memory stays flat as files grow. A DOCTYPE or entity declaration that got past the
  prolog check is refused by Expat's handlers too. lxml, with entity resolution, DTD
  loading and network off, reads the small response envelopes.
* HTML pages, CSV/TEXT and JSON bodies, binary data and Flex error envelopes are
  recognised and refused with a message saying what to change; they are never
  read as statements. UTF-16 and UTF-32 are refused too (Flex writes UTF-8, and
  the prolog check reads bytes as ASCII), as is a declared encoding Python's
  codecs cannot give Expat.
* Nesting depth and attribute count are capped; attribute size is bounded by the
  token cap ('<' cannot occur in a value); the payload size is capped by the
  caller's limit.

Every leaf element below a section is a record, with the attributes of any container
between the section and the leaf merged in (the leaf's own win); a section with no
rows is one record of its own attributes, so the section's presence is kept too.
"""

from __future__ import annotations

import io
import pyexpat
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pyexpat import ExpatError, XMLParserType
from pyexpat import errors as expat_errors
from typing import IO

from lxml import etree

from flexledger.domain.errors import (
    MalformedStatementError,
    NotAFlexStatementError,
    StatementTooLargeError,
    StatementTruncatedError,
    UnsafeXmlError,
)
from flexledger.domain.raw import PayloadInfo, RawRecord, StatementInfo

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 32
MAX_ATTRIBUTES = 2_000
_PROLOG_LIMIT = 64 * 1024
_CHUNK_BYTES = 1024 * 1024

# SPEC §5.3: the first non-empty of these names the row in its source_row_ref.
_REF_KEYS = ("transactionID", "tradeID", "actionID", "ibExecID", "execID", "id")
_REF_KEYS_FOLDED = {key.casefold(): rank for rank, key in enumerate(_REF_KEYS)}
# Expat before 2.6.0 (Python 3.11.7 ships 2.5.0) re-scans a token that arrives in
# many chunks, quadratic in its length (CVE-2023-52425). No Flex token is near this
# size, so longer runs without '<' are refused before Expat sees them.
MAX_TOKEN_BYTES = 2 * 1024 * 1024

_ROOT = "FlexQueryResponse"
_ENVELOPE = "FlexStatementResponse"
_STATEMENTS = "FlexStatements"
_STATEMENT = "FlexStatement"
_ACCOUNT_INFORMATION = "AccountInformation"
_SECTION_ROW_TAG = "section"


class _ByteCounter:
    """Counts bytes fed to the parser; stops at the size cap or a huge token."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self.bytes_read = 0
        self.at_end = False
        self._since_boundary = 0

    def count(self, chunk: bytes) -> None:
        self.bytes_read += len(chunk)
        if self.bytes_read > self._max_bytes:
            raise StatementTooLargeError(
                f"The statement is larger than {self._max_bytes:,} bytes.",
                hint="Split the period into shorter statements.",
            )
        # '<' cannot occur inside a token ('>' can, in attribute values), so the
        # bytes since the last '<' bound every token, attribute values included.
        boundary = chunk.rfind(b"<")
        if boundary < 0:
            self._since_boundary += len(chunk)
            if self._since_boundary > MAX_TOKEN_BYTES:
                raise UnsafeXmlError(
                    "The document has a single token longer than 2 MiB; Flex "
                    "statements never do."
                )
        else:
            self._since_boundary = len(chunk) - boundary - 1


@dataclass(slots=True)
class _Level:
    tag: str
    attrs: dict[str, str]
    children: int = 0


@dataclass
class _StatementState:
    info: StatementInfo
    sections: list[str] = field(default_factory=list)
    rows: int = 0
    base_currency: str | None = None


class StatementReader:
    """Reads one payload; iterate `records()` to the end, then read `info`.

    Raises, while iterating:
        MalformedStatementError, StatementTruncatedError, UnsafeXmlError,
        NotAFlexStatementError, StatementTooLargeError.
    """

    def __init__(
        self,
        source: IO[bytes],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        on_chunk: Callable[[bytes], None] | None = None,
    ) -> None:
        self._source = source
        self._max_bytes = max_bytes
        self._on_chunk = on_chunk
        self._info: PayloadInfo | None = None
        self._walker = _Walker()
        self._counter = _ByteCounter(max_bytes)

    @property
    def info(self) -> PayloadInfo:
        """What the payload contained; available once `records()` is exhausted."""
        if self._info is None:
            raise RuntimeError("read every record before asking for the payload info")
        return self._info

    def records(self) -> Iterator[RawRecord]:
        """Stream every record of every statement, in document order."""
        for chunk in self.record_chunks():
            yield from chunk

    def record_chunks(self) -> Iterator[list[RawRecord]]:
        """The records, a list per chunk of input read (bulk consumers' path)."""
        head = self._source.read(_PROLOG_LIMIT)
        _check_prolog(head, complete=len(head) < _PROLOG_LIMIT)
        walker = self._walker
        parser = _new_parser(walker)
        counter = self._counter
        chunk = head
        try:
            while chunk:
                counter.count(chunk)
                if self._on_chunk is not None:
                    self._on_chunk(chunk)
                parser.Parse(chunk, False)
                if walker.pending:
                    yield walker.take()
                chunk = self._source.read(_CHUNK_BYTES)
            counter.at_end = True
            parser.Parse(b"", True)
        except ExpatError as exc:
            raise _syntax_error(exc, truncated=_is_cut(exc, counter)) from None
        except (LookupError, ValueError) as exc:
            # pyexpat asks Python's codecs for an encoding Expat lacks: an unknown
            # name raises LookupError, a multi-byte codec ValueError.
            raise MalformedStatementError(
                f"The statement declares an encoding that cannot be read ({exc}).",
                hint="Flex statements are UTF-8; download the file again as IBKR "
                "produced it.",
            ) from None
        if walker.pending:
            yield walker.take()
        self._info = walker.finish()

    @property
    def bytes_read(self) -> int:
        """Bytes consumed so far, for progress."""
        return self._counter.bytes_read

    @property
    def query_name(self) -> str | None:
        """The root's `queryName`, known once reading has started."""
        return self._walker.query_name

    @property
    def statement_count(self) -> int:
        """Statements opened so far."""
        return self._walker.statement_count

    def statement_account(self, index: int) -> str | None:
        """The `accountId` of statement `index`, known from its opening tag on."""
        return self._walker.account_of(index)

    def statement_to_date(self, index: int) -> str | None:
        """The `toDate` text of statement `index`, known from its opening tag on."""
        return self._walker.to_date_of(index)


def _new_parser(walker: _Walker) -> XMLParserType:
    """An Expat parser that reports elements to `walker` and refuses any DTD."""
    parser = pyexpat.ParserCreate()
    parser.StartElementHandler = walker.start
    parser.EndElementHandler = walker.end
    # Second line of defence behind the prolog check: any declaration is refused.
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _refuse_declaration(*_: object) -> None:
    raise UnsafeXmlError(
        "The document declares a DOCTYPE or an entity; Flex statements never do, and "
        "it can hide entity expansion or external-file attacks."
    )


class _Walker:
    """Tracks the element stack and turns leaf elements into records."""

    def __init__(self) -> None:
        self._stack: list[_Level] = []
        self._root_attrs: dict[str, str] = {}
        self._declared_count: int | None = None
        self._statements: list[_StatementState] = []
        self._inside = False  # the stack is within a FlexStatement
        self._ref_counts: Counter[tuple[str, str]] = Counter()
        self._idx_counts: Counter[tuple[str, str]] = Counter()
        self._warnings: list[str] = []
        self._ignored: Counter[str] = Counter()
        self.pending: list[RawRecord] = []

    def take(self) -> list[RawRecord]:
        taken, self.pending = self.pending, []
        return taken

    @property
    def query_name(self) -> str | None:
        return self._root_attrs.get("queryName") or None

    @property
    def statement_count(self) -> int:
        return len(self._statements)

    def account_of(self, index: int) -> str | None:
        return self._statements[index].info.account_id

    def to_date_of(self, index: int) -> str | None:
        return self._statements[index].info.to_date

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        stack = self._stack
        depth = len(stack)
        if depth >= MAX_DEPTH:
            raise UnsafeXmlError(f"The document nests deeper than {MAX_DEPTH} levels.")
        if len(attrs) > MAX_ATTRIBUTES:
            raise UnsafeXmlError(
                f"An element has more than {MAX_ATTRIBUTES:,} attributes."
            )
        if stack:
            stack[-1].children += 1
        stack.append(_Level(tag, attrs))
        if depth < 4:
            self._structure(depth, tag, attrs)

    def _structure(self, depth: int, tag: str, attrs: dict[str, str]) -> None:
        """Root, statements and sections: what the payload is made of."""
        if depth == 0:
            self._check_root(tag, attrs)
        elif depth == 1 and tag == _STATEMENTS:
            self._declared_count = _parse_count(attrs.get("count"), self._warnings)
        elif depth == 2 and tag == _STATEMENT and self._stack[1].tag == _STATEMENTS:
            self._statements.append(
                _StatementState(_statement_info(len(self._statements), attrs))
            )
            self._inside = True
        elif depth == 3 and self._inside:
            self._statements[-1].sections.append(tag)

    def end(self, _tag: str) -> None:
        stack = self._stack
        level = stack.pop()
        depth = len(stack)
        if depth >= 3:
            if self._inside and level.children == 0:
                self.pending.append(self._record(level, is_section=depth == 3))
        elif depth == 2:
            if self._inside:
                self._inside = False
            else:
                self._ignored[level.tag] += 1
        elif depth == 1 and level.tag != _STATEMENTS:
            self._ignored[level.tag] += 1

    def _check_root(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == _ENVELOPE:
            raise NotAFlexStatementError(
                "This is a Flex Web Service response envelope, not a statement.",
                hint="Import the statement file itself (Client Portal → Flex Queries).",
            )
        if tag != _ROOT:
            raise NotAFlexStatementError(
                f"The document's root element is <{tag}>, not <{_ROOT}>.",
                hint="Import an Activity Flex Query statement in XML format.",
            )
        self._root_attrs = attrs

    def _record(self, level: _Level, *, is_section: bool) -> RawRecord:
        statement = self._statements[-1]
        stack = self._stack
        if is_section:
            section = level.tag
            row_tag = _SECTION_ROW_TAG
            merged = level.attrs
        else:
            section = stack[3].tag
            row_tag = level.tag
            merged = _merged(stack, level.attrs)
        if section == _ACCOUNT_INFORMATION:
            statement.base_currency = merged.get("currency") or statement.base_currency
        statement.rows += 1
        return RawRecord(
            statement.info.index,
            section,
            row_tag,
            self._source_row_ref(section, row_tag, merged),
            merged,
        )

    def _source_row_ref(self, section: str, row_tag: str, attrs: dict[str, str]) -> str:
        if row_tag == _SECTION_ROW_TAG:
            base = f"{section}:{_SECTION_ROW_TAG}:1"
        else:
            key = _reference_key(attrs)
            if key is None:
                self._idx_counts[(section, row_tag)] += 1
                # idx counts across the payload: unique, nothing to remember
                return f"{section}:{row_tag}:idx={self._idx_counts[(section, row_tag)]}"
            base = f"{section}:{row_tag}:{key[0]}={key[1]}"
        counts = self._ref_counts
        seen = counts[(section, base)] + 1
        counts[(section, base)] = seen
        # SPEC §5.3 [new]: repeats in one artifact get #2, #3…
        return base if seen == 1 else f"{base}#{seen}"

    def finish(self) -> PayloadInfo:
        for tag, count in sorted(self._ignored.items()):
            self._warnings.append(
                f"ignored {count} <{tag}> element(s) outside a statement"
            )
        statements = tuple(
            replace(
                state.info,
                sections=tuple(state.sections),
                row_count=state.rows,
                base_currency=state.base_currency,
            )
            for state in self._statements
        )
        if self._declared_count is not None and self._declared_count != len(statements):
            self._warnings.append(
                f"FlexStatements declares count={self._declared_count} but holds "
                f"{len(statements)} statements; all of them were read"
            )
        return PayloadInfo(
            query_name=self._root_attrs.get("queryName") or None,
            query_type=self._root_attrs.get("type") or None,
            declared_count=self._declared_count,
            statements=statements,
            warnings=tuple(self._warnings),
        )


def _merged(stack: list[_Level], own: dict[str, str]) -> dict[str, str]:
    """A row's attributes with those of its containers below the section."""
    if len(stack) == 4 and not stack[3].attrs:
        return own  # a row straight in an attribute-less section: the usual case
    containers = [level.attrs for level in stack[3:] if level.attrs]
    if not containers:
        return own
    merged: dict[str, str] = {}
    for attrs in containers:
        merged.update(attrs)
    merged.update(own)  # the row's own win
    return merged


def read_statement(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[RawRecord], PayloadInfo]:
    """Read a whole in-memory payload (small payloads and tests)."""
    reader = StatementReader(io.BytesIO(data), max_bytes=max_bytes)
    records = list(reader.records())
    return records, reader.info


def _check_prolog(head: bytes, *, complete: bool) -> None:
    """Refuse what is not XML, then anything but comments and PIs before the root.

    Args:
        head: the first bytes of the payload (up to the prolog window).
        complete: `head` is the whole payload, so a prolog that stops unfinished
            was cut short rather than hiding something past the window.
    """
    _refuse_wide_encodings(head)
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text:
        raise MalformedStatementError("The statement is empty.")
    _refuse_foreign_formats(text)
    position = 0
    while True:
        rest = text[position:].lstrip()
        position = len(text) - len(rest)
        if rest.startswith((b"<?", b"<!--")):
            terminator = b"?>" if rest.startswith(b"<?") else b"-->"
            end = rest.find(terminator)
            if end < 0:
                break
            position += end + len(terminator)
        elif rest.startswith(b"<!"):
            raise UnsafeXmlError(
                "The document declares a DOCTYPE; Flex statements never do, and it can "
                "hide entity expansion or external-file attacks."
            )
        elif len(rest) > 1 and rest[1:2] not in b"!?/ \t\r\n":
            return  # the root element's start tag: nothing can be declared after it
        elif len(rest) > 1:
            raise MalformedStatementError(
                "The statement does not start with an XML element."
            )
        else:
            break  # nothing or a lone '<' is left: cut short, or past the window
    if complete:
        raise StatementTruncatedError(
            "The statement ends before its first element: the download was cut short."
        )
    # The root start tag must be seen here; otherwise a DOCTYPE could hide past it.
    raise UnsafeXmlError("The document's prolog is longer than 64 KiB or malformed.")


# UTF-32 first: its little-endian BOM starts with UTF-16's.
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _refuse_wide_encodings(head: bytes) -> None:
    """Refuse UTF-16 and UTF-32, with a BOM or without one.

    Flex statements are UTF-8. Expat would read a wide encoding, but the prolog
    check reads bytes as ASCII, so a DOCTYPE spelled in UTF-16 would pass it.
    """
    found = next((name for bom, name in _WIDE_BOMS if head.startswith(bom)), None)
    # Without a BOM: '<' beside NUL bytes, as '<', '?' or a tag's first letter
    # come out in UTF-16 or UTF-32, either byte order.
    if found is None and b"\x00" in head[:4] and b"<" in head[:4]:
        found = "UTF-16 or UTF-32"
    if found is not None:
        raise MalformedStatementError(
            f"The statement is encoded as {found}; Flex statements are UTF-8.",
            hint="Save the file as UTF-8, or download it again as IBKR produced it.",
        )


def _refuse_foreign_formats(text: bytes) -> None:
    lowered = text[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:200]:
        raise NotAFlexStatementError(
            "The body is an HTML page, not a Flex statement.",
            hint="Check IBKR_FLEX_BASE_URL; IBKR may also be down for maintenance.",
        )
    if text.startswith(b"<"):
        return
    if text.startswith((b"{", b"[")):
        raise NotAFlexStatementError(
            "The body is JSON, not a Flex statement.",
            hint="Check IBKR_FLEX_BASE_URL: a proxy or another service answered.",
        )
    if _BINARY.search(text[:512]):
        raise MalformedStatementError(
            "The statement is binary data, not XML"
            + (
                " (it is gzip-compressed twice)."
                if text.startswith(b"\x1f\x8b")
                else "."
            )
        )
    first_line = text.split(b"\n", 1)[0]
    if b"," in first_line or b"|" in first_line or b"\t" in first_line:
        raise NotAFlexStatementError(
            "The body is CSV or TEXT, not XML.",
            hint=(
                "In Client Portal, edit the Flex Query and set Delivery "
                "Configuration → Format to XML."
            ),
        )
    raise MalformedStatementError("The statement does not start with an XML element.")


# Control bytes no text format has (tab, CR and LF excluded): a binary body.
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _tag(tag: str) -> str:
    return tag.rsplit("}", 1)[1] if tag.startswith("{") else tag


def _reference_key(attrs: dict[str, str]) -> tuple[str, str] | None:
    for key in _REF_KEYS:
        value = attrs.get(key)
        if value and value.strip():
            return key, value.strip()
    # SPEC §5.3 "…Id too": the same names in other capitalisations, rarely seen.
    best: tuple[int, str, str] | None = None
    for name, value in attrs.items():
        rank = _REF_KEYS_FOLDED.get(name.casefold())
        if rank is not None and value.strip() and (best is None or rank < best[0]):
            best = (rank, name, value.strip())
    return (best[1], best[2]) if best else None


def _statement_info(index: int, attrs: dict[str, str]) -> StatementInfo:
    return StatementInfo(
        index=index,
        account_id=attrs.get("accountId") or None,
        from_date=attrs.get("fromDate") or None,
        to_date=attrs.get("toDate") or None,
        period=attrs.get("period") or None,
        when_generated=attrs.get("whenGenerated") or None,
    )


def _parse_count(value: str | None, warnings: list[str]) -> int | None:
    if value is None:
        return None
    if re.fullmatch(r"\s*\d+\s*", value):
        return int(value)
    warnings.append(f"FlexStatements count={value!r} is not a number")
    return None


# Expat raises these only when the input ended inside the document (a cut download).
_END_OF_INPUT_ERRORS = frozenset(
    expat_errors.codes[message]
    for message in (
        expat_errors.XML_ERROR_NO_ELEMENTS,
        expat_errors.XML_ERROR_UNCLOSED_TOKEN,
        expat_errors.XML_ERROR_PARTIAL_CHAR,
    )
)


def _is_cut(exc: ExpatError, counter: _ByteCounter) -> bool:
    """Whether the parser ran out of bytes mid-document: a truncated download."""
    return counter.at_end and exc.code in _END_OF_INPUT_ERRORS


def _syntax_error(exc: ExpatError, *, truncated: bool) -> Exception:
    message = str(exc).split(":", 1)[0]
    line, column = exc.lineno, exc.offset
    where = f"line {line}, column {column}"
    if truncated:
        return StatementTruncatedError(
            f"The statement ends early ({message} at {where}): "
            "the download was cut short."
        )
    if "undefined entity" in message or "not well-formed" in message:
        return MalformedStatementError(
            f"The statement is not well-formed XML: {message} at {where}.",
            hint=(
                "A bare '&' must be written '&amp;' in XML; download the statement "
                "again as IBKR produced it."
            ),
        )
    if "encoding" in message:
        return MalformedStatementError(
            f"The statement's bytes do not match its encoding: {message} at {where}."
        )
    return MalformedStatementError(
        f"The statement is not well-formed XML: {message} at {where}."
    )


@dataclass(frozen=True, slots=True)
class Envelope:
    """A Flex Web Service response envelope (`FlexStatementResponse`).

    Attributes:
        status: ``Success``, ``Warn`` or ``Fail`` as written.
        error_code: `ErrorCode` text, None on success.
        error_message: `ErrorMessage` text.
        reference_code: `ReferenceCode` of a successful SendRequest.
        url: the `Url`/`url` element, if any (IBKR calls it legacy).
    """

    status: str | None
    error_code: str | None
    error_message: str | None
    reference_code: str | None
    url: str | None


def read_envelope(data: bytes) -> Envelope | None:
    """Parse `data` as a response envelope, or None when it is something else."""
    head = data[:_PROLOG_LIMIT].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<?"):
        head = head[head.find(b"?>") + 2 :].lstrip() if b"?>" in head else b""
    if not head.startswith(b"<" + _ENVELOPE.encode()):
        return None
    if len(data) > _PROLOG_LIMIT:
        raise NotAFlexStatementError("The response envelope is implausibly large.")
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise MalformedStatementError(
            "The Flex Web Service answered with a broken envelope."
        ) from None
    fields = {
        _tag(str(child.tag)).casefold(): (child.text or "").strip()
        for child in root
        if isinstance(child.tag, str)
    }
    return Envelope(
        status=fields.get("status") or None,
        error_code=fields.get("errorcode") or None,
        error_message=fields.get("errormessage") or None,
        reference_code=fields.get("referencecode") or None,
        url=fields.get("url") or None,
    )


def verify_statement(
    data: bytes | IO[bytes], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> PayloadInfo:
    """Read a whole payload, keeping nothing, to prove it is a complete statement."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    reader = StatementReader(source, max_bytes=max_bytes)
    for _ in reader.records():
        pass
    return reader.info
