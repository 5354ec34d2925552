"""Item states of a Hyper-V to Azure item (``HyperVReplicaAzure``) and what a failback request asks for.

See ``simulator/models/hyperv.py`` for the state table; the recorded facts (R1-R10) are in
``simulator/RECORDED.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.models.items import ItemState

if TYPE_CHECKING:
    from simulator.models.fabrics import Provider

PROTECTED = ItemState(
    "Protected",
    "Protected",
    "Primary",
    ["PlannedFailover", "UnplannedFailover", "DisableProtection", "TestFailover"],
)
PLANNED_UNCOMMITTED = ItemState(
    "PlannedFailoverCommitRequired",
    "Planned failover finished",
    "Recovery",
    ["CompleteMigration", "Commit", "DisableProtection", "ChangePit"],
)
UNPLANNED_UNCOMMITTED = ItemState(
    "UnplannedFailoverCommitPendingStatesBegin",
    "Failover completed",
    "Recovery",
    ["CompleteMigration", "Commit", "DisableProtection", "ChangePit"],
)
PLANNED_COMMITTED = ItemState(
    "PlannedFailoverStatesBegin",
    "Planned failover committed",
    "Recovery",
    ["CompleteMigration", "DisableProtection", "Failback"],
)
UNPLANNED_COMMITTED = ItemState(
    "UnplannedFailoverCommitted",
    "Failover committed",
    "Recovery",
    ["CompleteMigration", "DisableProtection", "Failback"],
)
# R3: after the failback job; no Commit, no CancelFailover. failoverCommit is accepted (R5).
FAILBACK_UNCOMMITTED = ItemState(
    "FinalizeRestorePending",
    "Finalize failback pending",
    "Primary",
    ["DisableProtection", "FinalizeFailback"],
)
# R6
RESTORE_FINALIZED = ItemState(
    "RestoreFinalized", "Failback finalized", "Primary", ["ReverseReplicate", "DisableProtection"]
)
# R9: right after the reprotect job succeeds; R10: the provider-level state says otherwise
INITIAL_REPLICATION = ItemState(
    "InitialReplicationInProgress", "Initial replication is in progress", "Primary", ["DisableProtection"]
)
_PROVIDER_STATE = {"InitialReplicationInProgress": ("UnprotectedStatesBegin", "Enabling protection")}

DATA_SYNC_OPTIONS = ("ForDownTime", "ForSynchronization")
VM_CREATION_OPTIONS = ("CreateVmIfNotFound", "NoAction")


@dataclass
class FailbackOptions:
    """What a Hyper-V failback request asks for."""

    data_sync_option: str = "ForSynchronization"
    create_vm_if_not_found: bool = False
    alternate_provider: Provider | None = None

    @property
    def alternate_location(self) -> bool:
        """True when failing back to another host (alternate location recovery)."""
        return self.alternate_provider is not None or self.create_vm_if_not_found
