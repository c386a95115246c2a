"""The hardened statement reader on small inline statements and hostile inputs."""

from __future__ import annotations

import io

import pytest

from flexledger.adapter.statement_reader import (
    MAX_ATTRIBUTES,
    MAX_DEPTH,
    StatementReader,
    read_statement,
)
from flexledger.domain.errors import (
    MalformedStatementError,
    NotAFlexStatementError,
    StatementReadError,
    StatementTooLargeError,
    StatementTruncatedError,
    UnsafeXmlError,
)


def statement(sections: str, *, count: str = "1", account: str = "U1") -> bytes:
    return (
        f'<FlexQueryResponse queryName="q" type="AF"><FlexStatements count="{count}">'
        f'<FlexStatement accountId="{account}" fromDate="20260101" toDate="20260102">'
        f"{sections}</FlexStatement></FlexStatements></FlexQueryResponse>"
    ).encode()


def test_rows_get_spec_refs_by_their_first_identifying_attribute() -> None:
    records, _ = read_statement(
        statement(
            "<Trades>"
            '<Trade transactionID="7" tradeID="9"/>'
            '<Trade tradeID="8"/>'
            '<Lot ibExecID="x.1"/>'
            "<Order/>"
            "<Order/>"
            "</Trades>"
        )
    )
    assert [r.source_row_ref for r in records] == [
        "Trades:Trade:transactionID=7",
        "Trades:Trade:tradeID=8",
        "Trades:Lot:ibExecID=x.1",
        "Trades:Order:idx=1",
        "Trades:Order:idx=2",
    ]
    assert [r.row_tag for r in records] == ["Trade", "Trade", "Lot", "Order", "Order"]


def test_repeated_refs_get_numbered_suffixes() -> None:
    records, _ = read_statement(
        statement(
            '<Trades><Trade transactionID="7" a="1"/><Trade transactionID="7" a="2"/></Trades>'
        )
    )
    assert [r.source_row_ref for r in records] == [
        "Trades:Trade:transactionID=7",
        "Trades:Trade:transactionID=7#2",
    ]


def test_empty_and_attribute_only_sections_are_records_of_their_own() -> None:
    records, info = read_statement(
        statement(
            '<CashTransactions/><AccountInformation accountId="U1" currency="EUR"/>'
        )
    )
    assert [(r.section_name, r.row_tag, r.source_row_ref) for r in records] == [
        ("CashTransactions", "section", "CashTransactions:section:1"),
        ("AccountInformation", "section", "AccountInformation:section:1"),
    ]
    assert records[1].attrs == {"accountId": "U1", "currency": "EUR"}
    assert info.statements[0].sections == ("CashTransactions", "AccountInformation")
    assert info.statements[0].base_currency == "EUR"


def test_container_attributes_reach_leaves_and_the_leaf_wins() -> None:
    records, _ = read_statement(
        statement(
            '<Deep kind="outer"><Group kind="inner" g="1"><Row id="5" z="2"/></Group></Deep>'
        )
    )
    assert len(records) == 1
    assert records[0].attrs == {"g": "1", "id": "5", "kind": "inner", "z": "2"}


def test_values_are_kept_verbatim() -> None:
    records, _ = read_statement(
        statement(
            '<Trades><Trade transactionID="1" quantity="-1,000.50" note=" spaced " empty=""/></Trades>'
        )
    )
    assert records[0].attrs["quantity"] == "-1,000.50"
    assert records[0].attrs["note"] == " spaced "
    assert records[0].attrs["empty"] == ""


def test_bom_declaration_and_comments_are_accepted() -> None:
    body = (
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!-- exported -->\n'
        + statement("<Trades><!-- c --><Trade transactionID='1'/></Trades>")
    )
    records, _ = read_statement(body)
    assert [r.source_row_ref for r in records] == ["Trades:Trade:transactionID=1"]


def test_multiple_statements_and_a_count_mismatch_are_kept_with_a_warning() -> None:
    body = (
        b'<FlexQueryResponse><FlexStatements count="1">'
        b'<FlexStatement accountId="U1" toDate="20260101"><Trades/></FlexStatement>'
        b'<FlexStatement accountId="U2" toDate="20260102"><Trades/></FlexStatement>'
        b"</FlexStatements></FlexQueryResponse>"
    )
    records, info = read_statement(body)
    assert [r.statement_index for r in records] == [0, 1]
    assert info.account_ids == ("U1", "U2")
    assert info.declared_count == 1
    assert "count=1" in info.warnings[0]


def test_info_is_only_available_after_reading_everything() -> None:
    reader = StatementReader(io.BytesIO(statement("<Trades/>")))
    with pytest.raises(RuntimeError):
        _ = reader.info
    list(reader.records())
    assert reader.info.query_type == "AF"


@pytest.mark.parametrize(
    ("body", "error", "fragment"),
    [
        (b"", MalformedStatementError, "empty"),
        (b"   \n", MalformedStatementError, "empty"),
        (b"<html><body>maintenance</body></html>", NotAFlexStatementError, "HTML"),
        (b"<!DOCTYPE html>\n<html></html>", NotAFlexStatementError, "HTML"),
        (b'"BOF","U1","1"\n"TRNT","BOS","Trades"\n', NotAFlexStatementError, "CSV"),
        (b"BOF|U1|1\n", NotAFlexStatementError, "CSV"),
        (b"<Other/>", NotAFlexStatementError, "root element"),
        (
            b"<FlexStatementResponse><Status>Warn</Status></FlexStatementResponse>",
            NotAFlexStatementError,
            "envelope",
        ),
        (
            b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><FlexQueryResponse/>',
            UnsafeXmlError,
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><x/>',
            UnsafeXmlError,
            "DOCTYPE",
        ),
        (
            b"<FlexQueryResponse>&undefined;</FlexQueryResponse>",
            MalformedStatementError,
            "not well-formed",
        ),
        (b"<FlexQueryResponse><FlexStatements>", StatementTruncatedError, "cut short"),
        (
            b"<FlexQueryResponse a='1' a='2'/>",
            MalformedStatementError,
            "not well-formed",
        ),
        (b"<FlexQueryResponse>\x00</FlexQueryResponse>", MalformedStatementError, ""),
        (
            b'<?xml version="1.0" encoding="UTF-8"?><FlexQueryResponse x="\xe9"/>',
            MalformedStatementError,
            "",
        ),
    ],
)
def test_foreign_and_hostile_bodies_get_typed_errors(
    body: bytes, error: type[StatementReadError], fragment: str
) -> None:
    with pytest.raises(error) as caught:
        read_statement(body)
    assert fragment in caught.value.message
    assert (
        caught.value.hint
        or error is StatementTruncatedError
        or error is MalformedStatementError
    )


def test_a_cut_anywhere_in_a_real_statement_is_truncation() -> None:
    whole = statement(
        '<Trades><Trade transactionID="1" symbol="ACME"/></Trades><CashTransactions/>'
    )
    for cut in range(40, len(whole) - 1, 7):
        with pytest.raises(StatementTruncatedError):
            read_statement(whole[:cut])


def test_nesting_beyond_the_cap_is_refused() -> None:
    deep = b"<a>" * (MAX_DEPTH + 5) + b"</a>" * (MAX_DEPTH + 5)
    with pytest.raises(UnsafeXmlError, match="deeper"):
        read_statement(b"<FlexQueryResponse>" + deep + b"</FlexQueryResponse>")


def test_too_many_attributes_are_refused() -> None:
    attrs = " ".join(f'a{i}="1"' for i in range(MAX_ATTRIBUTES + 1))
    with pytest.raises(UnsafeXmlError, match="attributes"):
        read_statement(f"<FlexQueryResponse {attrs}/>".encode())


def test_huge_attribute_values_are_refused() -> None:
    with pytest.raises((UnsafeXmlError, MalformedStatementError)):
        read_statement(b'<FlexQueryResponse a="' + b"x" * (2 * 1024 * 1024) + b'"/>')


def test_payloads_over_the_size_cap_are_refused() -> None:
    body = statement("<Trades>" + '<Trade transactionID="1"/>' * 2000 + "</Trades>")
    with pytest.raises(StatementTooLargeError):
        read_statement(body, max_bytes=10_000)


def test_memory_stays_flat_because_rows_are_cleared() -> None:
    # A parent must not keep read rows: after streaming, the section holds none.
    body = statement(
        "<Trades>"
        + "".join(f'<Trade transactionID="{i}"/>' for i in range(5000))
        + "</Trades>"
    )
    reader = StatementReader(io.BytesIO(body))
    seen = 0
    for record in reader.records():
        seen += 1
        assert record.section_name == "Trades"
    assert seen == 5000


def test_a_doctype_hidden_past_the_prolog_window_is_refused() -> None:
    padded = b'<?xml version="1.0"?>' + b" " * 65_536
    body = (
        padded
        + b'<!DOCTYPE r [<!ENTITY a "INJECTED">]><FlexQueryResponse queryName="&a;"/>'
    )
    with pytest.raises(UnsafeXmlError):
        read_statement(body)


def test_gt_signs_do_not_reset_the_token_cap() -> None:
    value = (b"x" * 1_000_000 + b">") * 4
    with pytest.raises(UnsafeXmlError, match="2 MiB"):
        read_statement(b'<FlexQueryResponse a="' + value + b'"/>')


def test_rows_outside_a_statement_are_ignored_with_one_warning() -> None:
    body = (
        b"<FlexQueryResponse><FlexStatements>"
        b'<FlexStatement accountId="U1"/>'
        b'<Junk><Trades><Trade transactionID="1"/></Trades></Junk><Junk/>'
        b"</FlexStatements></FlexQueryResponse>"
    )
    records, info = read_statement(body)
    assert records == []
    assert info.statements[0].sections == ()
    assert info.warnings == ("ignored 2 <Junk> element(s) outside a statement",)


def test_sections_repeated_across_statements_get_numbered_refs() -> None:
    body = (
        b"<FlexQueryResponse><FlexStatements>"
        b'<FlexStatement accountId="U1"><AccountInformation currency="USD"/></FlexStatement>'
        b'<FlexStatement accountId="U1"><AccountInformation currency="USD"/></FlexStatement>'
        b"</FlexStatements></FlexQueryResponse>"
    )
    records, _ = read_statement(body)
    assert [r.source_row_ref for r in records] == [
        "AccountInformation:section:1",
        "AccountInformation:section:1#2",
    ]
