"""The VMware and recovery-plan variants of the failback runbook (issue 7, V1-V6, H2e). Pure.

They plug into ``orchestrators.variants`` (looked up by ``variant_for``): the main
orchestrator runs the same phases, only the activity behind each step changes.

- VMware classic/modernized (seed 002): sync phase 1 is the re-protect Azure → on-prem
  (V1, with the agent-registration wait V4), the switchover is the failover (classic:
  unplanned with the chosen recovery point, Azure VM shut down first; modernized: planned),
  then verify, commit, and re-protect back to Azure (V4 again for the on-prem agent).
- Recovery plan (seeds 000/001, H2e, V5): the plan's planned failover with one input per
  replication provider; with ``before-failover`` the plan's job suspends once and is
  resumed after approval; commit of the plan; the plan's re-protect (R28), item by item where
  the service refuses it (G12). A VMware plan re-protects each item to on-prem first (same
  master target for a replication group, V5).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from domain import phases
from domain import report as reports
from domain.request import FailbackRequest
from domain.request_variants import EACH_VM
from domain.vmware import AGENT_REGISTRATION
from orchestrators.variants import ActivityCall, RunFacts, VariantDefaults, data_sync_order

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


def _before_failover_order(run: RunFacts) -> list[str]:
    order = phases.phase_order(
        "before-failover",
        maintenance_window=run.request.maintenance_window is not None,
        reverse_replication=run.request.reverse_replication,
    )
    return [p for p in order if p != phases.PREFLIGHT]


class VMwareVariant(VariantDefaults):
    """VMware VMs and physical servers (classic ``InMage*`` or modernized ``InMageRcm*``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def preflight(self, request: FailbackRequest, request_dict: dict[str, Any]) -> ActivityCall:
        """``preflight_vmware``: V3 rules, checklist, chosen inputs (V1, V2)."""
        return ActivityCall("preflight_vmware", {"vault": request.vault.to_dict(), "request": request_dict})

    def phase_order(self, run: RunFacts) -> list[str]:
        """Re-protect (sync phase 1), approval, [window], failover, verify, commit, re-protect back."""
        return _before_failover_order(run)

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


def _plan(run: RunFacts) -> dict[str, Any]:
    return dict(run.details.get("plan") or {})


class RecoveryPlanVariant(VariantDefaults):
    """A whole ASR recovery plan (Hyper-V, classic VMware or modernized VMware items)."""

    kind = "recovery-plan"

    def preflight(self, request: FailbackRequest, request_dict: dict[str, Any]) -> ActivityCall:
        """``preflight_plan``: each item's rules, V5 groups, H2e."""
        return ActivityCall("preflight_plan", {"vault": request.vault.to_dict(), "request": request_dict})

    @staticmethod
    def family(run: RunFacts) -> str:
        """``hyperv``, ``vmware-classic`` or ``vmware-modernized`` (from the plan's providers)."""
        return str(_plan(run).get("family") or "hyperv")

    def phase_order(self, run: RunFacts) -> list[str]:
        """Hyper-V plans follow the data-sync option; VMware plans re-protect first."""
        if self.family(run) != "hyperv":
            return _before_failover_order(run)
        return data_sync_order(run)

    def _failover(self, run: RunFacts) -> ActivityCall:
        plan = _plan(run)
        return ActivityCall(
            "plan_failover",
            {
                "vault": run.vault,
                "plan": plan.get("name"),
                "family": self.family(run),
                "dataSyncOption": run.sync.get("asrDataSyncOption"),
                "recoveryPointType": plan.get("recoveryPointType"),
                "baseline": plan.get("baseline"),
            },
        )

    def start_steps(self, run: RunFacts) -> list[ActivityCall]:
        """Hyper-V: the plan's planned failover; VMware: re-protect each item to on-prem (V5)."""
        family = self.family(run)
        if family == "hyperv":
            return [self._failover(run)]
        return [
            ActivityCall(
                "vmware_reprotect",
                {
                    "vault": run.vault,
                    "item": entry["item"],
                    "kind": family,
                    "direction": "to-onprem",
                    "inputs": entry.get("inputs") or {},
                },
            )
            for entry in _plan(run).get("items") or []
        ]

    def start(self, run: RunFacts) -> ActivityCall:
        """The first operation of sync phase 1."""
        return self.start_steps(run)[0]

    def suspends_after_start(self, run: RunFacts) -> bool:
        """A Hyper-V plan with ``before-failover`` suspends once, after phase 1 of every VM."""
        return self.family(run) == "hyperv" and run.data_sync == "before-failover"

    def switchover(self, run: RunFacts, job_id: str | None) -> ActivityCall:
        """Resume the plan's suspended job, or start the plan's failover."""
        if self.suspends_after_start(run):
            if not job_id:
                raise ValueError("the switchover of a before-failover plan resumes its job; no job id")
            comments = "Approved failback of the recovery plan: shut down the Azure VMs, start on-premises"
            return ActivityCall("resume_job", {"vault": run.vault, "jobId": job_id, "comments": comments})
        return self._failover(run)

    def commit(self, run: RunFacts) -> ActivityCall:
        """``plan_commit``: commit every item of the plan."""
        plan = _plan(run)
        return ActivityCall(
            "plan_commit", {"vault": run.vault, "plan": plan.get("name"), "baseline": plan.get("baseline")}
        )

    def reprotect_steps(self, run: RunFacts) -> list[ActivityCall]:
        """Re-protect: the plan's (Hyper-V, R28; item by item if refused, G12) or each item's (VMware).

        Each Hyper-V item's call adopts the plan's re-protect job and waits for its item.
        """
        family = self.family(run)
        plan = _plan(run)
        calls = []
        for index, entry in enumerate(plan.get("items") or []):
            if family == "hyperv":
                payload = {
                    "vault": run.vault,
                    "plan": plan.get("name"),
                    "baseline": plan.get("baseline"),
                    "item": entry["item"],
                    "first": index == 0,
                }
                calls.append(ActivityCall("plan_reprotect", payload))
            else:
                payload = {
                    "vault": run.vault,
                    "item": entry["item"],
                    "kind": family,
                    "direction": "to-azure",
                    "inputs": entry.get("inputs") or {},
                }
                calls.append(ActivityCall("vmware_reprotect", payload))
        return calls

    def reprotect(self, run: RunFacts) -> ActivityCall:
        """The first re-protect."""
        return self.reprotect_steps(run)[0]

    def abandon(self, run: RunFacts, job_id: str) -> ActivityCall:
        """Cancel the plan's suspended job (never during data sync, H10)."""
        return ActivityCall("cancel_job", {"vault": run.vault, "jobId": job_id})

    def retry_delay(self, run: RunFacts, phase: str, failure: str, waited: timedelta) -> timedelta | None:
        """V4 for VMware plans."""
        return agent_retry(phase, failure, waited) if self.family(run) != "hyperv" else None

    def computers(self, run: RunFacts) -> list[str]:
        """Each VM of the plan when verification names no computer (``*``)."""
        if run.request.verification.computer != EACH_VM:
            return [run.request.verification.computer]
        return [str(e.get("friendlyName")) for e in _plan(run).get("items") or []]

    def after_effects(self, facts: Mapping[str, Any] | None) -> list[str] | None:
        """V6 follows the plan's VMs (VMware or Hyper-V, from the plan's provider), not the kind."""
        family = str((facts or {}).get("provider") or "")
        return reports.after_effects(family, (facts or {}).get("osType"))


VARIANTS: dict[str, Any] = {
    "vmware-classic": VMwareVariant("vmware-classic"),
    "vmware-modernized": VMwareVariant("vmware-modernized"),
    "recovery-plan": RecoveryPlanVariant(),
}
