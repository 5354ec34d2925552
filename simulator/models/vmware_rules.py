"""Seed-002 rules for VMware re-protect and failback (V3, V4, V5) as functions.

Each returns None when satisfied, else the ASR-style error the job fails with. Codes are the
simulator's choice: the sources give none (reference §8 item 10, see README).
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.models.jobs import TaskFailed
from simulator.models.vmware_infra import MasterTarget, ReprotectAgent

# Datastore types ASR can fail back to (seed 002: VMFS or vSAN only, never NFS).
SUPPORTED_DATASTORE_TYPES = ("VMFS", "vSAN")
# Disks one master target (or one modernized reprotect appliance) can hold (seed 002, V3).
MAX_DISKS_PER_MASTER_TARGET = 60
# How long the mobility agent of a freshly started VM takes to register with the CS (V4).
AGENT_REGISTRATION_DELAY_SECONDS = 15 * 60


@dataclass(frozen=True)
class AsrError:
    """An ASR job error: ``serviceErrorDetails`` of a failed task, also the LRO status ``error``."""

    code: str
    message: str
    possible_causes: str
    recommended_action: str

    def to_arm(self) -> dict[str, str]:
        """``{"code", "message", "possibleCauses", "recommendedAction"}``."""
        return {
            "code": self.code,
            "message": self.message,
            "possibleCauses": self.possible_causes,
            "recommendedAction": self.recommended_action,
        }


def agent_not_registered(vm_name: str, registered: bool) -> AsrError | None:
    """V4: the VM's mobility agent registers with the CS up to 15 minutes after the VM starts."""
    if registered:
        return None
    return AsrError(
        code="78060",
        message=(
            f"The mobility service agent isn't installed on the virtual machine '{vm_name}' "
            "or it hasn't registered with the configuration server yet."
        ),
        possible_causes=(
            "After the virtual machine starts, its agent takes up to 15 minutes to register with the "
            "configuration server."
        ),
        recommended_action="Wait a few minutes and retry the operation.",
    )


def config_server_disconnected(host_name: str, connected: bool) -> AsrError | None:
    """V3: the on-premises configuration server is running and connected during re-protect/failback."""
    if connected:
        return None
    return AsrError(
        code="78068",
        message=f"The configuration server '{host_name}' isn't connected to Azure Site Recovery.",
        possible_causes="The configuration server is stopped or can't reach Azure.",
        recommended_action=(
            "Make sure the configuration server is running and connected (port 443), then retry."
        ),
    )


def master_target_os_mismatch(vm_name: str, vm_os: str, mt: MasterTarget) -> AsrError | None:
    """V3: the master target has the VM's OS type (a Linux VM needs a Linux master target)."""
    if vm_os.lower() == mt.os_type.lower():
        return None
    return AsrError(
        code="78061",
        message=(
            f"The master target server '{mt.name}' ({mt.os_type}) can't be used to re-protect the "
            f"{vm_os} virtual machine '{vm_name}'."
        ),
        possible_causes="The master target must have the same operating system type as the virtual machine.",
        recommended_action=(
            "Use a Linux master target for Linux virtual machines (deploy one if needed) and retry."
        ),
    )


def master_target_full(mt: MasterTarget, vm_disks: int) -> AsrError | None:
    """V3: at most 60 disks on one master target, counting the VMs being re-protected.

    Re-protects reserve their disks in ``mt.attached`` as soon as they pass their checks, so the
    count includes the VMs being re-protected right now.
    """
    total = mt.disk_count + vm_disks
    if total <= MAX_DISKS_PER_MASTER_TARGET:
        return None
    return AsrError(
        code="78062",
        message=(
            f"The master target server '{mt.name}' would have {total} disks attached; at most "
            f"{MAX_DISKS_PER_MASTER_TARGET} are supported."
        ),
        possible_causes=(
            "The disks of the virtual machines being re-protected to this master target exceed its limit."
        ),
        recommended_action="Use another master target server or deploy an additional one, then retry.",
    )


def datastore_unusable(read_only: bool, mt: MasterTarget, name: str) -> AsrError | None:
    """V3: datastore discoverable (not a read-only vCenter account) and VMFS or vSAN (never NFS)."""
    if read_only:
        return AsrError(
            code="78064",
            message=f"The datastore '{name}' couldn't be discovered for master target '{mt.name}'.",
            possible_causes=("vCenter was discovered with a read-only account, which can't list datastores."),
            recommended_action=(
                "Update the vCenter credentials on the configuration server with an account that has "
                "the required permissions, then retry the job."
            ),
        )
    store = mt.datastore(name)
    if store is None:
        return AsrError(
            code="78069",
            message=f"The datastore '{name}' isn't attached to the host of master target '{mt.name}'.",
            possible_causes="The datastore name is wrong or the datastore isn't mounted on the ESXi host.",
            recommended_action="Select a datastore listed for the master target and retry.",
        )
    if store.type not in SUPPORTED_DATASTORE_TYPES:
        return AsrError(
            code="78063",
            message=f"Failback to the {store.type} datastore '{name}' isn't supported.",
            possible_causes="Site Recovery fails back only to VMFS or vSAN datastores.",
            recommended_action="Create a VMFS datastore on-premises and fail back to it.",
        )
    return None


def replication_group_mixed_os(group: str, os_types: set[str]) -> AsrError | None:
    """V3: all VMs of a replication group have the same OS type."""
    if len({o.lower() for o in os_types}) <= 1:
        return None
    return AsrError(
        code="78065",
        message=(
            f"The replication group '{group}' contains virtual machines with different operating "
            "systems; re-protect and failback to on-premises aren't supported for it."
        ),
        possible_causes="The master target must have the same OS as every virtual machine of the group.",
        recommended_action="Use replication groups whose virtual machines share one OS type.",
    )


def replication_group_other_master_target(group: str, chosen: str, expected: str) -> AsrError | None:
    """V5: all VMs of a replication group are re-protected to the same master target."""
    if chosen == expected:
        return None
    return AsrError(
        code="78066",
        message=(
            f"The replication group '{group}' is re-protected to master target '{expected}'; "
            f"'{chosen}' can't be used for another of its virtual machines."
        ),
        possible_causes="Different master targets can't provide a common point in time for the group.",
        recommended_action="Re-protect every virtual machine of the group with the same master target.",
    )


def reprotect_agent_datastore(agent: ReprotectAgent, name: str) -> AsrError | None:
    """Modernized: the datastore is one the reprotect agent can access."""
    if name in agent.accessible_datastores:
        return None
    return AsrError(
        code="78067",
        message=f"The datastore '{name}' isn't accessible from the reprotect agent '{agent.name}'.",
        possible_causes="Only VMFS or vSAN datastores discovered by the appliance can be used.",
        recommended_action="Select one of the appliance's accessible datastores and retry.",
    )


def appliance_full(agent: ReprotectAgent, vm_disks: int) -> AsrError | None:
    """Modernized: one appliance holds at most 60 disks."""
    total = sum(agent.attached.values()) + vm_disks
    if total <= MAX_DISKS_PER_MASTER_TARGET:
        return None
    return AsrError(
        code="78062",
        message=f"The appliance '{agent.name}' would hold {total} disks; at most 60 are supported.",
        possible_causes="Too many disks are replicated through this appliance.",
        recommended_action="Use another appliance and retry.",
    )


def fail_if(error: AsrError | None) -> None:
    """Fail the running task with ``error`` when a rule is broken (``error`` not None)."""
    if error is not None:
        raise TaskFailed(error.code, error.message, error.possible_causes, error.recommended_action)
