"""`record` classes: values like frozen dataclasses, immutable to the type checker."""

from __future__ import annotations

import dataclasses
import pickle
from decimal import Decimal
from pathlib import Path

from mypy import api as mypy_api

import flexledger
from flexledger.domain.records import record

# The project's own mypy settings (strict, `src` on the path), as CI runs them.
_MYPY_CONFIG = Path(flexledger.__file__).resolve().parents[2] / "pyproject.toml"


@record
class _Amount:
    currency: str
    value: Decimal
    note: str | None = None


def test_records_compare_hash_replace_and_pickle_by_value() -> None:
    first, same = _Amount("USD", Decimal("1.50")), _Amount("USD", Decimal("1.5"))
    assert first == same
    assert hash(first) == hash(same)
    assert len({first, same, _Amount("EUR", Decimal("1.5"))}) == 2
    changed = dataclasses.replace(first, note="fee")
    assert (changed.note, first.note) == ("fee", None)
    assert pickle.loads(pickle.dumps(changed)) == changed  # noqa: S301 - own bytes
    assert not hasattr(first, "__dict__")  # slotted: no stray attributes


def test_the_type_checker_refuses_assigning_a_record_field(tmp_path: Path) -> None:
    program = tmp_path / "assigns.py"
    program.write_text(
        "from decimal import Decimal\n"
        "from flexledger.domain.records import record\n"
        "@record\n"
        "class Amount:\n"
        "    value: Decimal\n"
        "amount = Amount(Decimal(1))\n"
        "amount.value = Decimal(2)\n"
        "print(Amount(value=Decimal(3)).value + 1)\n"
    )
    report, _, status = mypy_api.run(
        ["--no-incremental", f"--config-file={_MYPY_CONFIG}", str(program)]
    )
    assert status == 1, report
    assert 'Property "value" defined in "Amount" is read-only' in report
    assert report.count("error:") == 1, report
