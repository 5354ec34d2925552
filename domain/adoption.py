"""Finish from wherever ASR is (issue 12, part 4): a failback ASR already took past the switchover.

A run that ended before the end of the runbook (handed over, a failed verification left for manual
work, a host restart in an old version) can leave the item switched over but not committed, or
committed but not re-protected. A new request for the item adopts it there and completes the rest,
instead of refusing it because the item no longer runs in Azure. Pure: the pre-flight asks.

Stages adopted here (Hyper-V items, nothing running on the item):

- ``commit-pending``: ``FinalizeRestorePending`` (R3) with ``FinalizeFailback``/``Commit`` allowed — the
  on-premises VM runs, the Azure VM is off: verify, commit, re-protect;
- ``restore-finalized``: ``RestoreFinalized`` with ``ReverseReplicate`` allowed — committed: re-protect.

A failback job still running or suspended is adopted by the existing rule (``failback_under_way``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import phases
from domain.items import COMMIT_PENDING_STATES, commit_allowed

BEFORE_SWITCHOVER_DONE = (phases.SYNC, phases.APPROVAL, phases.WINDOW, phases.SWITCHOVER)


def adoptable_stage(facts: Mapping[str, Any]) -> dict[str, Any] | None:
    """The stage past the switchover a new run adopts, with the phases it skips; None otherwise."""
    if facts.get("currentScenario") or facts.get("provider") != "HyperVReplicaAzure":
        return None
    state = facts.get("protectionState")
    allowed = list(facts.get("allowedOperations") or [])
    if state in COMMIT_PENDING_STATES and commit_allowed(facts):
        return {
            "stage": "commit-pending",
            "skip": list(BEFORE_SWITCHOVER_DONE),
            "explain": (
                f"ASR shows the failback switched over and waiting for its commit (protectionState={state}, "
                f"allowedOperations={allowed}): the run adopts it there — the on-premises VM is verified, "
                "then the failover is committed and reverse replication started. No new planned failover."
            ),
        }
    if state == "RestoreFinalized" and "ReverseReplicate" in allowed:
        return {
            "stage": "restore-finalized",
            "skip": [*BEFORE_SWITCHOVER_DONE, phases.VERIFY, phases.COMMIT],
            "explain": (
                f"ASR shows the failback committed (protectionState={state}): the run adopts it there and "
                "starts reverse replication. No new planned failover, no second commit."
            ),
        }
    return None
