"""The VMware variants, classic and modernized (seed 002, issue 7, V1-V4). Pure.

Sync phase 1 is the re-protect Azure → on-prem (V1, with the agent-registration wait V4), the
switchover is the failover (classic: unplanned with the chosen recovery point, Azure VM shut down
first; modernized: planned), then verify, commit, and re-protect back to Azure (V4 again for the
on-prem agent).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain import phases
from domain.request import FailbackRequest
from domain.vmware import AGENT_REGISTRATION
from orchestrators.variants.base import ActivityCall, RunFacts, VariantDefaults, before_failover_order

#: V4: how long past the first attempt a re-protect is retried ("up to 15 minutes plus margin").
AGENT_WAIT_MARGIN = timedelta(minutes=10)
AGENT_RETRY_EVERY = timedelta(minutes=2)
#: What ASR says while the mobility agent has not registered (V4; the simulator's code 78060).
AGENT_NOT_REGISTERED = ("78060", "agent isn't installed", "agent is not installed", "hasn't registered")


def agent_retry(phase: str, failure: str, waited: timedelta) -> timedelta | None:
    """V4: retry a re-protect that failed because the agent has not registered yet, within the window."""
    if phase not in (phases.SYNC, phases.REPROTECT):
        return None
    text = failure.lower()
    if not any(marker.lower() in text for marker in AGENT_NOT_REGISTERED):
        return None
    if waited + AGENT_RETRY_EVERY > AGENT_REGISTRATION + AGENT_WAIT_MARGIN:
        return None
    return AGENT_RETRY_EVERY


class VMwareVariant(VariantDefaults):
    """VMware VMs and physical servers (classic ``InMage*`` or modernized ``InMageRcm*``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def preflight(self, request: FailbackRequest, request_dict: dict[str, Any]) -> ActivityCall:
        """``preflight_vmware``: V3 rules, checklist, chosen inputs (V1, V2)."""
        return ActivityCall("preflight_vmware", {"vault": request.vault.to_dict(), "request": request_dict})

    def phase_order(self, run: RunFacts) -> list[str]:
        """Re-protect (sync phase 1), approval, [window], failover, verify, commit, re-protect back."""
        return before_failover_order(run)

    def _reprotect(self, run: RunFacts, direction: str) -> ActivityCall:
        return ActivityCall(
            "vmware_reprotect",
            {
                "vault": run.vault,
                "item": dict(run.item),
                "kind": self.kind,
                "direction": direction,
                "inputs": dict(run.details.get("inputs") or {}),
            },
        )

    def start(self, run: RunFacts) -> ActivityCall:
        """Re-protect Azure → on-prem (the on-prem VM is powered off meanwhile, V5)."""
        return self._reprotect(run, "to-onprem")

    def suspends_after_start(self, run: RunFacts) -> bool:
        """The re-protect job ends by itself; nothing waits suspended."""
        return False

    def switchover(self, run: RunFacts, job_id: str | None) -> ActivityCall:
        """The failover to on-prem with the chosen recovery point (Azure VM shut down first)."""
        inputs = run.details.get("inputs") or {}
        return ActivityCall(
            "vmware_failover",
            {
                "vault": run.vault,
                "item": dict(run.item),
                "kind": self.kind,
                "recoveryPointType": inputs.get("recoveryPointType"),
            },
        )

    def commit(self, run: RunFacts) -> ActivityCall:
        """``commit_failover`` (removes the failed-back Azure VM)."""
        return ActivityCall("commit_failover", {"vault": run.vault, "item": dict(run.item)})

    def reprotect(self, run: RunFacts) -> ActivityCall:
        """Re-protect on-prem → Azure."""
        return self._reprotect(run, "to-azure")

    def abandon(self, run: RunFacts, job_id: str) -> ActivityCall:
        """Not used: no job waits suspended (``suspends_after_start`` is false)."""
        return ActivityCall("cancel_job", {"vault": run.vault, "jobId": job_id})

    def retry_delay(self, run: RunFacts, phase: str, failure: str, waited: timedelta) -> timedelta | None:
        """V4: wait for the agent to register, then re-protect again."""
        return agent_retry(phase, failure, waited)
