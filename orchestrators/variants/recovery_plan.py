"""The recovery-plan variant (seeds 000/001, H2e, V5, R28, G12). Pure.

The plan's planned failover with one input per replication provider; with ``before-failover`` the
plan's job suspends once and is resumed after approval; commit of the plan; the plan's re-protect
(R28), item by item where the service refuses it (G12). A VMware plan re-protects each item to
on-prem first (same master target for a replication group, V5).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from domain import report as reports
from domain.request import EACH_VM, FailbackRequest
from orchestrators.variants.base import (
    ActivityCall,
    RunFacts,
    VariantDefaults,
    before_failover_order,
    data_sync_order,
)
from orchestrators.variants.vmware import agent_retry


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
            return before_failover_order(run)
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
                "createVmIfNotFound": plan.get("createVmIfNotFound"),  # never silently NoAction
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
