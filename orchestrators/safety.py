"""Safety rules of a failback run: when a cancel is allowed, and what to do after a failure.

Pure functions; the orchestrator applies them. The rules (docs/workflow.md):

- A cancel is accepted only while nothing in ASR has changed yet (pre-flight) or
  while the run waits for a person or the clock with the Azure VM still running
  (approval, maintenance window). Then no data is synchronizing, so even a
  suspended ForDownTime job can be cancelled without harm.
- During sync phase 1 and the switchover data is synchronizing: a cancel would
  leave the on-premises VM corrupt, so it is refused with that reason (H10).
- After the switchover the Azure VM is off and the on-premises VM runs: cancelling
  is no longer possible; a failed verification holds for a human decision instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain import phases

#: Phases in which a cancel request is accepted.
CANCELLABLE_PHASES = (phases.PREFLIGHT, phases.APPROVAL, phases.WINDOW)
#: Phases during which an ASR job synchronizes disk data (H10).
DATA_SYNC_PHASES = (phases.SYNC, phases.SWITCHOVER)
#: Error codes of activities worth retrying later (ARM throttling and outages).
TRANSIENT_CODES = ("ARM_THROTTLED", "ARM_UNAVAILABLE")


@dataclass(frozen=True)
class CancelVerdict:
    """The orchestrator's answer to a ``CancelRequest``."""

    accepted: bool
    code: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Return ``{accepted, code, reason}``."""
        return {"accepted": self.accepted, "code": self.code, "reason": self.reason}


def cancel_verdict(phase: str) -> CancelVerdict:
    """Decide a cancel request received while the run is in ``phase``."""
    if phase == phases.PREFLIGHT:
        return CancelVerdict(True, "CANCELLED", "Cancelled during pre-flight: nothing was changed in ASR.")
    if phase in (phases.APPROVAL, phases.WINDOW):
        return CancelVerdict(
            True,
            "CANCELLED",
            "Cancelled before the switchover: no data is synchronizing and the Azure VM keeps running; "
            "a job suspended after sync phase 1 is cancelled so that a new failback can start.",
        )
    if phase == "abandon":
        return CancelVerdict(True, "CANCELLED", "The run is already ending without a switchover.")
    if phase == phases.REPORT:
        return CancelVerdict(False, "CANCEL_NOT_ALLOWED", "Refused: the run is finishing its report.")
    if phase in DATA_SYNC_PHASES:
        return CancelVerdict(
            False,
            "CANCEL_REFUSED_DATA_SYNC",
            "Refused: data is synchronizing to the on-premises host. Cancelling the failback job now leaves "
            "the on-premises VM's disks inconsistent and it may not boot (H10). Let the job finish; a cancel "
            "is accepted again while the run waits for approval.",
        )
    return CancelVerdict(
        False,
        "CANCEL_NOT_ALLOWED",
        "Refused: the Azure VM is already shut down and the on-premises VM runs; the failover cannot be "
        "cancelled any more. If verification fails, the run holds for a decision (commit-anyway or "
        "leave-manual).",
    )


_JOB_ADVICE: dict[str, str] = {
    phases.SYNC: (
        "Sync phase 1 failed before any shutdown: the Azure VM is still running and no data was lost. "
        "Fix the cause the ASR job reports, then start a new failback."
    ),
    phases.SWITCHOVER: (
        "The switchover failed after the Azure VM was shut down. Do not cancel and do not commit: fix the "
        "cause the ASR job reports and re-run the planned failover to completion (H10)."
    ),
    phases.COMMIT: (
        "The on-premises VM runs but the commit failed; the Azure VM and its disks were not deleted. "
        "Fix the cause, then start a new failback request for the item: it adopts it at its commit "
        "(commit pending), checks the on-premises VM, commits and re-protects (or commit in the vault)."
    ),
    phases.REPROTECT: (
        "The failback is committed and the on-premises VM runs; reverse replication failed. Fix the cause, "
        "then start a new failback request for the item: it adopts the committed item and re-protects it."
    ),
    "abandon": (
        "The job that waited for approval could not be cancelled; the Azure VM keeps running. Cancel the "
        "job in the vault (it is not synchronizing data) before starting a new failback."
    ),
}


def job_failure_advice(phase: str) -> str:
    """What the operator should do after the ASR job of ``phase`` failed or was cancelled."""
    return _JOB_ADVICE.get(phase, "Check the ASR job in the vault and the run's timeline.")


def is_transient(code: str) -> bool:
    """Whether an activity error code is worth retrying after a durable timer."""
    return code in TRANSIENT_CODES
