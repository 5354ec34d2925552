"""Run checkov (installed by `make infra-tools` in its own venv) and read its JSON report."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHECKOV = REPO / ".venv" / "tools" / "checkov" / "bin" / "checkov"
#: Files checkov 3.3.30 cannot read, with the reason. Its Bicep parser (pycep 0.5.1) predates the
#: ``extension`` keyword, and it has no check for Microsoft.Graph resources anyway: our rule
#: ``entra_app_registration`` (tests/infra/rules.py) is what checks the app registration.
NOT_FOR_CHECKOV = {
    "entra-app.bicep": "uses `extension microsoftGraphV1`, which checkov's pycep 0.5.1 cannot parse",
}


@dataclass(frozen=True)
class CheckovReport:
    """What one checkov run found."""

    failed: list[tuple[str, str, str]]  # (check id, resource, file path)
    skipped: list[tuple[str, str, str]]
    passed: int
    parsing_errors: int
    resource_count: int


def run_checkov(directory: Path) -> CheckovReport:
    """Scan ``directory`` with checkov's Bicep framework, offline.

    Raises:
        FileNotFoundError: when checkov is not installed (run ``make infra-tools``).
    """
    if not CHECKOV.exists():
        raise FileNotFoundError(f"{CHECKOV} missing: run `make infra-tools` (make test does)")
    proc = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(directory),
            "--framework",
            "bicep",
            "--skip-download",
            "-o",
            "json",
            *[arg for name in NOT_FOR_CHECKOV for arg in ("--skip-path", name.replace(".", r"\."))],
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    report = report[0] if isinstance(report, list) else report
    results = report.get("results", {})

    def rows(kind: str) -> list[tuple[str, str, str]]:
        return [(c["check_id"], c["resource"], c["file_path"]) for c in results.get(kind, [])]

    summary = report["summary"]
    return CheckovReport(
        failed=rows("failed_checks"),
        skipped=rows("skipped_checks"),
        passed=summary["passed"],
        parsing_errors=summary["parsing_errors"],
        resource_count=summary["resource_count"],
    )
