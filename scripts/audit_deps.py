"""Audit the installed dependency set with pip-audit; never pass without auditing.

Three outcomes, never confused:
- known vulnerabilities in any installed package: exit 1, always;
- every package audited, none vulnerable: exit 0;
- some packages could not be audited (the advisory database, PyPI's JSON API, did
  not answer for them, e.g. no network or a registry mirror without that API):
  a loud banner naming how many, then exit 2, unless
  FLEXLEDGER_AUDIT_UNREACHABLE=warn, which turns that case (and only that case)
  into a warning that still prints the banner. pip-audit itself exits 0 there
  without `--strict`, which is the silent skip this script exists to prevent.

Usage: python scripts/audit_deps.py (run by scripts/test with the venv's python).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

EXIT_VULNERABLE = 1
EXIT_NOT_AUDITED = 2


def main() -> int:
    """Run pip-audit on this interpreter's environment and judge its report."""
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "audit.json"
        completed = subprocess.run(  # noqa: S603 - our own venv's pip-audit
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--skip-editable",  # the project itself is not on PyPI
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(report_path),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if not report_path.exists():
            sys.stderr.write(completed.stdout + completed.stderr)
            return _not_audited("pip-audit produced no report (see its output above)")
        report = json.loads(report_path.read_text())
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        _say(f"VULNERABLE {dependency['name']} {dependency['version']}: {ids}")
    if vulnerable:
        _say(f"pip-audit: {len(vulnerable)} vulnerable package(s); upgrade them.")
        return EXIT_VULNERABLE
    audited = len(dependencies) - len(skipped)
    if skipped:
        reason = skipped[0]["skip_reason"]
        return _not_audited(
            f"{len(skipped)} of {len(dependencies)} packages could not be audited "
            f"({audited} audited, none vulnerable); first reason: {reason}"
        )
    _say(f"pip-audit: {audited} packages audited, no known vulnerabilities.")
    return 0


def _not_audited(why: str) -> int:
    banner = "!" * 78
    _say(banner)
    _say(f"SUPPLY-CHAIN AUDIT INCOMPLETE: {why}")
    _say("The vulnerability database was not reachable for these packages, so")
    _say("this run proves nothing about them. Run scripts/test where PyPI's JSON")
    _say("API answers to audit them.")
    _say(banner)
    if os.environ.get("FLEXLEDGER_AUDIT_UNREACHABLE") == "warn":
        _say("FLEXLEDGER_AUDIT_UNREACHABLE=warn: continuing without the audit.")
        return 0
    return EXIT_NOT_AUDITED


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
