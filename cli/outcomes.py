"""What each run outcome means to someone at a terminal: a label, a colour and an exit code.

Exit codes (documented in README "The CLI"): 0 only when the failback succeeded (or a dry run's
pre-flight passed); every other ending has its own code so that a script can tell them apart.
The outcome names are the report's (``domain.report.OUTCOMES``); the CLI may not import the app,
so they are repeated here and a unit test keeps the two lists equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OutcomeView:
    """How the CLI shows one outcome."""

    label: str
    style: str
    exit_code: int


OUTCOMES: dict[str, OutcomeView] = {
    "succeeded": OutcomeView("succeeded", "bold green", 0),
    "dry-run": OutcomeView("dry run: pre-flight passed", "green", 0),
    "failed": OutcomeView("FAILED", "bold red", 3),
    "not-approved": OutcomeView("not approved: the Azure VM keeps running", "bold yellow", 4),
    "cancelled": OutcomeView("cancelled: the Azure VM keeps running", "bold yellow", 5),
    "rejected": OutcomeView("pre-flight failed: nothing was changed", "bold red", 6),
    "left-manual": OutcomeView("left for manual handling after verification", "bold red", 7),
    "window-missed": OutcomeView("maintenance window missed: the Azure VM keeps running", "bold yellow", 8),
}
#: The run ended without a report (the orchestration itself failed or was terminated).
NO_REPORT = OutcomeView("ended without a report", "bold red", 3)
#: Usage or API errors (bad request, unknown run, unreachable API).
API_ERROR_EXIT = 1
#: ``status`` without ``--watch`` on a run still in progress.
RUNNING_EXIT = 10


def outcome_of(view: dict[str, Any]) -> OutcomeView | None:
    """How to show a run's end; ``None`` while it runs."""
    if view.get("runtimeStatus") in ("Running", "Pending", "Suspended", None):
        return None
    outcome = view.get("outcome") or (view.get("report") or {}).get("outcome")
    if view.get("runtimeStatus") != "Completed" or outcome not in OUTCOMES:
        return NO_REPORT
    return OUTCOMES[str(outcome)]


def exit_code(view: dict[str, Any]) -> int:
    """The process exit code for a run's status (``RUNNING_EXIT`` while it runs)."""
    shown = outcome_of(view)
    return RUNNING_EXIT if shown is None else shown.exit_code
