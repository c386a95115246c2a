"""Statement rows → Activity Flex XML bytes, laid out as IBKR lays them out.

One `FlexQueryResponse` per file with one `FlexStatement`; sections in the given
order, one row element per line, attributes in the given order. The bytes depend
only on the rows, so a seeded account always writes the same files.
"""

from __future__ import annotations

from collections.abc import Iterable

from flexledger.demo.sample import ACCOUNT_ID, QUERY_NAME, Row, Statement, flex_date

_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;"}
)


def _attribute(value: str) -> str:
    return value.translate(_ESCAPES)


def _element(tag: str, attrs: dict[str, str]) -> str:
    body = " ".join(f'{name}="{_attribute(value)}"' for name, value in attrs.items())
    return f"<{tag} {body} />"


def _section(name: str, rows: Iterable[Row]) -> list[str]:
    lines = [f"<{name}>"]
    lines.extend(_element(tag, attrs) for tag, attrs in rows)
    lines.append(f"</{name}>")
    return lines


def statement_xml(statement: Statement) -> bytes:
    """One statement as a complete Flex document (UTF-8)."""
    header = {
        "accountId": ACCOUNT_ID,
        "fromDate": flex_date(statement.from_date),
        "toDate": flex_date(statement.to_date),
        "period": statement.period,
        "whenGenerated": statement.generated,
    }
    lines = [
        f'<FlexQueryResponse queryName="{_attribute(QUERY_NAME)}" type="AF">',
        '<FlexStatements count="1">',
        _element("FlexStatement", header).removesuffix(" />") + ">",
    ]
    for name, rows in statement.sections:
        if name == "AccountInformation":
            # A childless section: the element itself is the row.
            lines.extend(_element(tag, attrs) for tag, attrs in rows)
            continue
        lines.extend(_section(name, rows))
    lines.extend(["</FlexStatement>", "</FlexStatements>", "</FlexQueryResponse>", ""])
    return "\n".join(lines).encode("utf-8")


def file_name(statement: Statement) -> str:
    """`U9900017_2024-03.xml`: account and month, sortable."""
    return f"{ACCOUNT_ID}_{statement.to_date:%Y-%m}.xml"
