"""How outcomes and phases read to people: tone, headline, next step and labels (pages, cards, CLI).

Catalog ids (``N_``), translated where shown; keys are ``domain.run_names.Outcome`` values and
phase names.
"""

from __future__ import annotations

from domain.i18n import N_
from domain.run_names import Outcome

#: How each outcome looks: ``success`` (green), ``warning`` (amber: nothing changed, the Azure VM
#: keeps running) or ``error`` (red: a failure someone must look at).
OUTCOME_TONES: dict[str, str] = {
    Outcome.SUCCEEDED: "success",
    Outcome.DRY_RUN: "success",
    Outcome.FAILED: "error",
    Outcome.REJECTED: "error",
    Outcome.LEFT_MANUAL: "error",
    Outcome.NOT_APPROVED: "warning",
    Outcome.CANCELLED: "warning",
    Outcome.WINDOW_MISSED: "warning",
}

#: Per outcome: the headline and what to do next (catalog ids, translated where shown).
OUTCOME_TEXTS: dict[str, tuple[str, str]] = {
    Outcome.SUCCEEDED: (
        N_("Failback succeeded"),
        N_("The VM runs on-premises. Check the report below for the downtime and the reverse replication."),
    ),
    Outcome.DRY_RUN: (
        N_("Dry run: pre-flight passed, nothing was changed"),
        N_("Start the failback without dryRun when you are ready."),
    ),
    Outcome.FAILED: (
        N_("Failback failed"),
        N_("Read the error below and open the ASR job in the Azure portal; fix the cause, then start again."),
    ),
    Outcome.REJECTED: (
        N_("Pre-flight failed: nothing was changed"),
        N_("Fix what each failed check below says, then start the failback again."),
    ),
    Outcome.LEFT_MANUAL: (
        N_("Verification failed: left for manual handling"),
        N_(
            "The on-premises VM did not pass verification and nobody chose to commit. Check the VM, "
            "then commit or cancel the failover in the Azure portal."
        ),
    ),
    Outcome.NOT_APPROVED: (
        N_("Not approved: the Azure VM keeps running"),
        N_("Nothing was switched over. Start a new failback when the approvers agree."),
    ),
    Outcome.CANCELLED: (
        N_("Cancelled: the Azure VM keeps running"),
        N_("Nothing was switched over. Start a new failback when you are ready."),
    ),
    Outcome.WINDOW_MISSED: (
        N_("Maintenance window missed: the Azure VM keeps running"),
        N_("Start a new failback with a maintenance window that is still ahead."),
    ),
}

#: Phase names as people read them (catalog ids).
PHASE_LABELS: dict[str, str] = {
    "preflight": N_("Pre-flight checks"),
    "sync": N_("Sync phase 1 (VM still running)"),
    "approval": N_("Approval"),
    "window": N_("Maintenance window"),
    "switchover": N_("Switchover (downtime)"),
    "verify": N_("Verification"),
    "commit": N_("Commit"),
    "reprotect": N_("Re-protect"),
    "report": N_("Report"),
    "waves": N_("Waves"),
    "plan": N_("Recovery plan"),
}


def outcome_tone(outcome: str | None) -> str:
    """``success``, ``warning`` or ``error`` for an outcome; ``error`` for an unknown one."""
    return OUTCOME_TONES.get(str(outcome), "error")


#: Short outcome labels for lists and cards (catalog ids).
OUTCOME_LABELS: dict[str, str] = {
    Outcome.SUCCEEDED: N_("Succeeded"),
    Outcome.DRY_RUN: N_("Dry run passed"),
    Outcome.FAILED: N_("Failed"),
    Outcome.REJECTED: N_("Pre-flight failed"),
    Outcome.LEFT_MANUAL: N_("Left for manual handling"),
    Outcome.NOT_APPROVED: N_("Not approved"),
    Outcome.CANCELLED: N_("Cancelled"),
    Outcome.WINDOW_MISSED: N_("Window missed"),
}
