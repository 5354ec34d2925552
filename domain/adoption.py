"""Finish from wherever ASR is (issue 12, part 4): a failback ASR already took past the switchover.

A run that ended before the end of the runbook (handed over, a failed verification left for manual
work, a host restart in an old version) can leave the item switched over but not committed, or
committed but not re-protected. A new request for the item adopts it there and completes the rest,
instead of refusing it because the item no longer runs in Azure. Pure: the pre-flight asks.

Stages adopted here (Hyper-V items active on-premises after a failback):

- ``commit-pending``: ``FinalizeRestorePending`` (R3) with ``FinalizeFailback``/``Commit`` allowed — the
  on-premises VM runs, the Azure VM is off: verify, commit, re-protect;
- ``commit-running``: a commit job runs — its job is followed (the commit activity adopts it), then
  re-protect;
- ``restore-finalized``: ``RestoreFinalized`` with ``ReverseReplicate`` allowed — committed: re-protect;
- ``reprotect-running``: a re-protect job runs — followed until the item is protected again;
- ``initial-replication``: ``InitialReplicationInProgress`` after the re-protect job (R9) — waited on
  until the item is protected again (the re-protect activity adopts the finished job).

A failback job still running or suspended is adopted by the existing rule (``failback_under_way``).
VMware items failed back to on-premises (providers ``InMage`` / ``InMageRcmFailback``) have their own
stages, ``domain.vmware_adoption``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import phases
from domain.i18n import N_, message
from domain.items import COMMIT_PENDING_STATES, commit_allowed
from domain.vmware_adoption import vmware_adoptable_stage
from domain.vmware_state import ONPREM_PROVIDERS

BEFORE_SWITCHOVER_DONE = (phases.SYNC, phases.APPROVAL, phases.WINDOW, phases.SWITCHOVER)


def adoptable_stage(facts: Mapping[str, Any]) -> dict[str, Any] | None:
    """The stage past the switchover a new run adopts, with the phases it skips; None otherwise."""
    if facts.get("provider") in ONPREM_PROVIDERS:  # VMware failed back (``domain.vmware_adoption``)
        return vmware_adoptable_stage(facts)
    if facts.get("provider") != "HyperVReplicaAzure" or facts.get("activeLocation") != "Primary":
        return None
    state = facts.get("protectionState")
    allowed = list(facts.get("allowedOperations") or [])
    running = str((facts.get("currentScenario") or {}).get("scenarioName") or "")
    if running:
        return _running_stage(running, state)
    if state == "InitialReplicationInProgress":
        return {
            "stage": "initial-replication",
            "skip": [*BEFORE_SWITCHOVER_DONE, phases.VERIFY, phases.COMMIT],
            "explain": message(
                N_(
                    "ASR shows the failback committed and reverse replication's initial replication "
                    "under way (protectionState=%(state)s): the run adopts it there and waits until the item "
                    "is protected again. No new planned failover, commit or re-protect."
                ),
                state=state,
            ),
        }
    if state in COMMIT_PENDING_STATES and commit_allowed(facts):
        return {
            "stage": "commit-pending",
            "skip": list(BEFORE_SWITCHOVER_DONE),
            "explain": message(
                N_(
                    "ASR shows the failback switched over and waiting for its commit "
                    "(protectionState=%(state)s, allowedOperations=%(allowed)s): the run adopts it there — "
                    "the on-premises VM is verified, then the failover is committed and reverse replication "
                    "started. No new planned failover."
                ),
                state=state,
                allowed=str(allowed),
            ),
        }
    if state == "RestoreFinalized" and "ReverseReplicate" in allowed:
        return {
            "stage": "restore-finalized",
            "skip": [*BEFORE_SWITCHOVER_DONE, phases.VERIFY, phases.COMMIT],
            "explain": message(
                N_(
                    "ASR shows the failback committed (protectionState=%(state)s): the run adopts it "
                    "there and starts reverse replication. No new planned failover, no second commit."
                ),
                state=state,
            ),
        }
    return None


def _running_stage(running: str, state: object) -> dict[str, Any] | None:
    """A commit or re-protect job under way after a failback: the run follows it and goes on."""
    if "commit" in running.lower():
        return {
            "stage": "commit-running",
            "skip": [*BEFORE_SWITCHOVER_DONE, phases.VERIFY],
            "explain": message(
                N_(
                    "ASR shows the failback's commit running (%(running)s, protectionState=%(state)s): "
                    "the run adopts its job, waits for it, then starts reverse replication. No new planned "
                    "failover or commit."
                ),
                running=running,
                state=str(state),
            ),
        }
    if "reprotect" in running.lower():
        return {
            "stage": "reprotect-running",
            "skip": [*BEFORE_SWITCHOVER_DONE, phases.VERIFY, phases.COMMIT],
            "explain": message(
                N_(
                    "ASR shows reverse replication running (%(running)s, protectionState=%(state)s): "
                    "the run adopts its job and waits until the item is protected again. No new planned "
                    "failover, commit or re-protect."
                ),
                running=running,
                state=str(state),
            ),
        }
    return None
