"""The import-linter contracts hold, and a layer violation really makes them fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def _lint_copy(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(tmp_path / "pyproject.toml"), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "src" / "flexledger",
        tmp_path / "src" / "flexledger",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold(project_copy: Path) -> None:
    result = _lint_copy(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "broken_contract"),
    [
        ("web/api/sneaky.py", "import sqlalchemy\n", "Only db touches SQLAlchemy"),
        ("ledger/sneaky.py", "import fastapi\n", "Pure layers import no framework"),
        ("domain/sneaky.py", "import flexledger.db.engine\n", "Layers"),
        ("jobs/sneaky.py", "import httpx\n", "Only the adapter speaks HTTP to IBKR"),
    ],
)
def test_a_violation_breaks_its_contract(
    project_copy: Path, module: str, source: str, broken_contract: str
) -> None:
    (project_copy / "src" / "flexledger" / module).write_text(
        f'"""Violation."""\n{source}'
    )
    result = _lint_copy(project_copy)
    assert result.returncode != 0
    assert f"{broken_contract} BROKEN" in result.stdout
