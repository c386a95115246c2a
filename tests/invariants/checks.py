"""Run the invariant queries (one `iNN_*.sql` file per invariant) on a database.

Each file is one SELECT, written once for both engines, returning
`(problem, row_id, detail)` for every row that breaks its invariant; a clean
database returns nothing from any of them. I1 also needs the payload bytes
recomputed, which SQL cannot do on both engines (gzip), so `violations` adds that
check here.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import cache
from pathlib import Path

from sqlalchemy import select, text

from flexledger.db.database import Database
from flexledger.db.tables import RawArtifactRow

FOLDER = Path(__file__).parent
# A printable value no stored text contains (a NUL would end the string on SQLite).
NO_TOKEN = "flexledger-no-token-9f1c2e7a"

Violation = tuple[str, str, str]


@cache
def queries() -> dict[str, str]:
    """The invariant queries by name (``i01_raw_payload_integrity``…), in order."""
    return {path.stem: path.read_text() for path in sorted(FOLDER.glob("i*.sql"))}


def violations(
    database: Database, *, token: str | None = None
) -> dict[str, list[Violation]]:
    """Every invariant's violating rows; only invariants with violations appear.

    Args:
        database: the database to check.
        token: the Flex token the runs used (a canary), searched for by I9.
    """
    found: dict[str, list[Violation]] = {}
    with database.engine.connect() as connection:
        for name, sql in queries().items():
            parameters = {"token": token or NO_TOKEN} if ":token" in sql else {}
            rows = [
                (str(problem), str(row_id), str(detail))
                for problem, row_id, detail in connection.execute(text(sql), parameters)
            ]
            if rows:
                found[name] = rows
    bytes_broken = payload_hash_mismatches(database)
    if bytes_broken:
        found.setdefault("i01_raw_payload_integrity", []).extend(bytes_broken)
    return found


def payload_hash_mismatches(database: Database) -> list[Violation]:
    """I1 on the bytes: each stored payload, decompressed, has its SHA-256 and size."""
    broken: list[Violation] = []
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(
                RawArtifactRow.raw_artifact_id,
                RawArtifactRow.payload_sha256,
                RawArtifactRow.payload_size_bytes,
                RawArtifactRow.payload_encoding,
                RawArtifactRow.source_payload,
            )
        )
        for artifact_id, sha256, size, encoding, stored in rows:
            data = gzip.decompress(stored) if encoding == "gzip" else bytes(stored)
            if hashlib.sha256(data).hexdigest() != sha256 or len(data) != size:
                broken.append(("payload_bytes_changed", str(artifact_id), sha256))
    return broken


def assert_no_violations(database: Database, *, token: str | None = None) -> None:
    """Fail with every violating row when any invariant is broken."""
    found = violations(database, token=token)
    assert not found, found
