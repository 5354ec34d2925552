"""Finish from wherever ASR is, for VMware items (issue 12, part 3): a failback past the switchover. Pure.

A VMware run that ended before the end of its runbook (a failed verification left for manual work,
a run without re-protect, a host restart) leaves the item failed back to on-premises with its
commit pending, or committed and not re-protected to Azure. A new request adopts it there.

The states come from the simulator's VMware models (``simulator/models/vmware_classic.py``,
``vmware_modernized.py``); none of them is in a recording yet (``simulator/RECORDED.md``, G14 and
"Reported earlier but not confirmed"), so they are read by what they allow, not by their names:

- ``commit-pending``: on-premises (``failed_back``: provider ``InMage`` / ``InMageRcmFailback`` in a
  failover state, ``activeLocation`` ``Primary``) with ``Commit`` allowed — classic
  ``UnplannedFailoverCommitPendingStatesBegin``, modernized ``PlannedFailoverCommitRequired`` (G14):
  verify, commit, re-protect to Azure;
- ``commit-running``: a ``CommitFailover`` job runs on such an item: followed, then re-protect;
- ``committed``: on-premises with ``ReverseReplicate`` allowed — classic ``UnplannedFailoverCommitted``,
  modernized ``PlannedFailoverStatesBegin``: re-protect to Azure;
- ``reprotect-running``: a re-protect job runs while the provider is still the on-premises one (the
  re-protect towards on-premises runs under ``InMageAzureV2`` / ``InMageRcm``): followed to the end.

The failover itself (the switchover) is never started again here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import phases
from domain.i18n import N_, message
from domain.vmware_state import ONPREM_PROVIDERS, failed_back, is_reprotect_scenario

BEFORE_SWITCHOVER_DONE = (phases.SYNC, phases.APPROVAL, phases.WINDOW, phases.SWITCHOVER)
#: The replication providers of a VMware item replicating to Azure (R43, R44).
AZURE_PROVIDERS = ("InMageAzureV2", "InMageRcm")


def _where(facts: Mapping[str, Any]) -> str:
    allowed = list(facts.get("allowedOperations") or [])
    return (
        f"provider={facts.get('provider')}, protectionState={facts.get('protectionState')}, "
        f"activeLocation={facts.get('activeLocation')}, allowedOperations={allowed}"
    )


def _running(facts: Mapping[str, Any]) -> str:
    return str((facts.get("currentScenario") or {}).get("scenarioName") or "")


def vmware_adoptable_stage(facts: Mapping[str, Any]) -> dict[str, Any] | None:
    """The stage past the failover to on-premises a new VMware run adopts, with the phases it skips."""
    if facts.get("provider") not in ONPREM_PROVIDERS:
        return None
    running = _running(facts)
    if running:
        return _running_stage(facts, running)
    if not failed_back(facts):
        return None
    allowed = list(facts.get("allowedOperations") or [])
    if "Commit" in allowed:
        return {
            "stage": "commit-pending",
            "skip": list(BEFORE_SWITCHOVER_DONE),
            "explain": (
                f"ASR shows the VMware failback failed over to on-premises and waiting for its commit "
                f"({_where(facts)}): the run adopts it there — the on-premises VM is verified, then the "
                "failover is committed and the VM re-protected to Azure. No new re-protect to on-premises, "
                "no new failover."
            ),
        }
    if "ReverseReplicate" in allowed:
        return {
            "stage": "committed",
            "skip": [*BEFORE_SWITCHOVER_DONE, phases.VERIFY, phases.COMMIT],
            "explain": (
                f"ASR shows the VMware failback committed on-premises and not re-protected to Azure "
                f"({_where(facts)}): the run adopts it there and re-protects the VM to Azure. No new "
                "failover, no second commit."
            ),
        }
    return None


def _running_stage(facts: Mapping[str, Any], running: str) -> dict[str, Any] | None:
    """A commit or re-protect to Azure under way after the failback: the run follows it and goes on."""
    if "commit" in running.lower():  # under the on-premises provider: the failback's commit
        return {
            "stage": "commit-running",
            "skip": [*BEFORE_SWITCHOVER_DONE, phases.VERIFY],
            "explain": (
                f"ASR shows the VMware failback's commit running ({running}, {_where(facts)}): the run "
                "adopts its job, waits for it, then re-protects the VM to Azure. No new failover or commit."
            ),
        }
    if is_reprotect_scenario(running):  # under the on-premises provider: the re-protect back to Azure
        return {
            "stage": "reprotect-running",
            "skip": [*BEFORE_SWITCHOVER_DONE, phases.VERIFY, phases.COMMIT],
            "explain": (
                f"ASR shows the VMware re-protect to Azure running ({running}, {_where(facts)}): the run "
                "adopts its job and waits until the VM replicates to Azure again. No new failover, commit "
                "or re-protect."
            ),
        }
    return None


def not_adoptable_remedy(facts: Mapping[str, Any]) -> dict[str, Any] | None:
    """What the operator can do with an item neither in Azure nor adoptable; None: the usual remedy.

    The usual V3-state remedy ("commit the failover to Azure first") is false for an item that
    already runs on-premises or runs a job, so these states get their own.
    """
    running = _running(facts)
    if running:
        return message(
            N_(
                "ASR runs a %(scenario)s job on the item (%(where)s). Wait until it ends (Site Recovery "
                "jobs in the vault), then start a new failback request: a failback past the failover is "
                "adopted where it stands."
            ),
            scenario=running,
            where=_where(facts),
        )
    if facts.get("provider") in AZURE_PROVIDERS and facts.get("activeLocation") == "Primary":
        return message(
            N_(
                "The VM runs on-premises and replicates to Azure (%(where)s): there is nothing to fail "
                "back. Fail it over to Azure first if it has to fail back again."
            ),
            where=_where(facts),
        )
    if facts.get("provider") in ONPREM_PROVIDERS and failed_back(facts):
        return message(
            N_(
                "The VM is on-premises after a failover, but ASR offers neither Commit nor "
                "ReverseReplicate (%(where)s). Finish the item in the vault with the operations it "
                "offers, then start a new failback request if it is still to be re-protected."
            ),
            where=_where(facts),
        )
    return None
