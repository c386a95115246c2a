"""Hardened, streaming reader: Flex statement bytes → `RawRecord`s, every section kept.

Flex payloads come from the network and from user uploads, so they are untrusted:

* Anything before the root element is checked first. A DOCTYPE (hence any entity
  declaration) is refused: no real Flex statement has one, and it is the door to
  billion-laughs and external-entity attacks. Without a DTD, Expat knows only the
  five predefined entities, and loads nothing from disk or network. A run of more
  than 2 MiB without a '<' is refused before Expat sees it, which bounds
  the large-token slowdown of Expat < 2.6.0 (Python's XML security notes).
* Statements are parsed with the standard library's Expat-based iterparse: it is the
  fastest streaming parser available (about 1.6 times lxml's iterparse on Flex rows, see
  benchmarks/ingest.py), and with the DOCTYPE refusal above it is as safe. lxml, with
  entity resolution, DTD loading and network off, reads the small response envelopes.
* HTML pages, CSV/TEXT bodies and Flex error envelopes are recognised and refused
  with a message saying what to change; they are never read as statements.
* Nesting depth, attribute count and attribute size are capped; the payload size is
  capped by the caller's limit.
* Elements are cleared as soon as they are read, so memory stays flat as files grow.

Every leaf element below a section is a record, with the attributes of any container
between the section and the leaf merged in (the leaf's own win); a section with no
rows is one record of its own attributes, so the section's presence is kept too.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pyexpat import errors as expat_errors
from typing import IO
from xml.etree import ElementTree

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
MAX_ATTRIBUTE_CHARS = 1024 * 1024
_PROLOG_LIMIT = 64 * 1024

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


class _CountingReader(io.RawIOBase):
    """Counts bytes as the parser pulls them; stops at the size cap or a huge token."""

    def __init__(self, source: IO[bytes] | io.RawIOBase, max_bytes: int) -> None:
        self._source = source
        self._max_bytes = max_bytes
        self.bytes_read = 0
        self.at_end = False
        self._since_boundary = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._source.read(len(buffer))
        if not chunk:
            self.at_end = True
        self.bytes_read += len(chunk)
        if self.bytes_read > self._max_bytes:
            raise StatementTooLargeError(
                f"The statement is larger than {self._max_bytes:,} bytes.",
                hint="Split the period into shorter statements.",
            )
        # '<' cannot occur inside a token ('>' can, in attribute values).
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
        buffer[: len(chunk)] = chunk
        return len(chunk)


@dataclass(slots=True)
class _Level:
    tag: str
    attrs: dict[str, str]
    element: ElementTree.Element
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
        self, source: IO[bytes], *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self._source = source
        self._max_bytes = max_bytes
        self._info: PayloadInfo | None = None
        self._walker = _Walker()
        self._stream: _CountingReader | None = None

    @property
    def info(self) -> PayloadInfo:
        """What the payload contained; available once `records()` is exhausted."""
        if self._info is None:
            raise RuntimeError("read every record before asking for the payload info")
        return self._info

    def records(self) -> Iterator[RawRecord]:
        """Stream every record of every statement, in document order."""
        head = self._source.read(_PROLOG_LIMIT)
        _check_prolog(head)
        stream = _CountingReader(_Prefixed(head, self._source), self._max_bytes)
        self._stream = stream
        walker = _Walker()
        self._walker = walker
        try:
            for event, element in ElementTree.iterparse(  # noqa: S314 - prolog checked
                stream, events=("start", "end")
            ):
                if event == "start":
                    walker.start(element)
                    continue
                yield from walker.end(element)
        except ElementTree.ParseError as exc:
            raise _syntax_error(exc, stream, truncated=_is_cut(exc, stream)) from None
        if stream.bytes_read == 0:
            raise MalformedStatementError("The statement is empty.")
        self._info = walker.finish()

    @property
    def bytes_read(self) -> int:
        """Bytes consumed so far, for progress."""
        return self._stream.bytes_read if self._stream else 0

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


class _Prefixed(io.RawIOBase):
    """The already-read prolog followed by the rest of the source."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            count = len(self._head) if size < 0 else min(size, len(self._head))
            chunk = bytes(self._head[:count])
            self._head = self._head[count:]
            return chunk
        return self._rest.read(size)


class _Walker:
    """Tracks the element stack and turns leaf elements into records."""

    def __init__(self) -> None:
        self._stack: list[_Level] = []
        self._root_attrs: dict[str, str] = {}
        self._declared_count: int | None = None
        self._statements: list[_StatementState] = []
        self._ref_counts: Counter[tuple[str, str]] = Counter()
        self._idx_counts: Counter[tuple[str, str]] = Counter()
        self._warnings: list[str] = []
        self._ignored: Counter[str] = Counter()

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

    def start(self, element: ElementTree.Element) -> None:
        tag = _tag(element.tag)
        depth = len(self._stack)
        if depth >= MAX_DEPTH:
            raise UnsafeXmlError(f"The document nests deeper than {MAX_DEPTH} levels.")
        attrs = _attributes(element.attrib)
        if self._stack:
            self._stack[-1].children += 1
        self._stack.append(_Level(tag, attrs, element))
        if depth == 0:
            self._check_root(tag, attrs)
        elif depth == 1 and tag == _STATEMENTS:
            self._declared_count = _parse_count(attrs.get("count"), self._warnings)
        elif depth == 2 and tag == _STATEMENT and self._stack[1].tag == _STATEMENTS:
            self._statements.append(
                _StatementState(_statement_info(len(self._statements), attrs))
            )
        elif depth == 3 and self._in_statement():
            self._statements[-1].sections.append(tag)

    def end(self, element: ElementTree.Element) -> Iterator[RawRecord]:
        inside = self._in_statement()
        level = self._stack.pop()
        depth = len(self._stack)
        if depth >= 3 and inside and level.children == 0:
            yield self._record(level, is_section=depth == 3)
        elif depth in (1, 2) and level.tag not in (_STATEMENTS, _STATEMENT):
            self._ignored[level.tag] += 1
        if depth >= 3 or (depth in (1, 2) and level.tag != _STATEMENTS):
            # Whatever is read is dropped at once, so memory stays flat.
            element.clear()
            self._stack[-1].element.remove(element)

    def _in_statement(self) -> bool:
        stack = self._stack
        return (
            len(stack) >= 3
            and stack[1].tag == _STATEMENTS
            and stack[2].tag == _STATEMENT
            and bool(self._statements)
        )

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
        section = self._stack[3].tag if not is_section else level.tag
        containers = [c.attrs for c in self._stack[3:] if c.attrs]
        if containers:
            merged: dict[str, str] = {}
            for attrs in containers:
                merged.update(attrs)
            merged.update(level.attrs)
        else:
            merged = level.attrs
        row_tag = _SECTION_ROW_TAG if is_section else level.tag
        if section == _ACCOUNT_INFORMATION:
            statement.base_currency = merged.get("currency") or statement.base_currency
        statement.rows += 1
        return RawRecord(
            statement_index=statement.info.index,
            section_name=section,
            row_tag=row_tag,
            source_row_ref=self._source_row_ref(section, row_tag, merged),
            attrs=merged,
        )

    def _source_row_ref(self, section: str, row_tag: str, attrs: dict[str, str]) -> str:
        if row_tag == _SECTION_ROW_TAG:
            base = f"{section}:{_SECTION_ROW_TAG}:1"
        else:
            key = _reference_key(attrs)
            if key is None:
                self._idx_counts[(section, row_tag)] += 1
                base = f"{section}:{row_tag}:idx={self._idx_counts[(section, row_tag)]}"
            else:
                base = f"{section}:{row_tag}:{key[0]}={key[1]}"
        if ":idx=" in base:
            return base  # idx counts across the payload: unique, nothing to remember
        self._ref_counts[(section, base)] += 1
        seen = self._ref_counts[(section, base)]
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


def read_statement(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[RawRecord], PayloadInfo]:
    """Read a whole in-memory payload (small payloads and tests)."""
    reader = StatementReader(io.BytesIO(data), max_bytes=max_bytes)
    records = list(reader.records())
    return records, reader.info


def _check_prolog(head: bytes) -> None:
    """Refuse what is not XML, then anything but comments and PIs before the root."""
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
        else:
            break
    # The root start tag must be seen here; otherwise a DOCTYPE could hide past it.
    raise UnsafeXmlError("The document's prolog is longer than 64 KiB or malformed.")


def _refuse_foreign_formats(text: bytes) -> None:
    lowered = text[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:200]:
        raise NotAFlexStatementError(
            "The body is an HTML page, not a Flex statement.",
            hint="Check IBKR_FLEX_BASE_URL; IBKR may also be down for maintenance.",
        )
    if text.startswith(b"<"):
        return
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


def _tag(tag: str) -> str:
    return tag.rsplit("}", 1)[1] if tag.startswith("{") else tag


def _attributes(attrib: dict[str, str]) -> dict[str, str]:
    if len(attrib) > MAX_ATTRIBUTES:
        raise UnsafeXmlError(f"An element has more than {MAX_ATTRIBUTES:,} attributes.")
    if attrib and max(map(len, attrib.values())) > MAX_ATTRIBUTE_CHARS:
        raise UnsafeXmlError("An attribute value is longer than 1 MiB.")
    return attrib


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


def _is_cut(exc: ElementTree.ParseError, stream: _CountingReader) -> bool:
    """Whether the parser ran out of bytes mid-document: a truncated download."""
    return stream.at_end and exc.code in _END_OF_INPUT_ERRORS


def _syntax_error(
    exc: ElementTree.ParseError, stream: _CountingReader, *, truncated: bool
) -> Exception:
    message = str(exc).split(":", 1)[0]
    line, column = exc.position
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
