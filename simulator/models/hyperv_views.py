"""The ``providerSpecificDetails`` a Hyper-V item answers with (``HyperVReplicaAzureReplicationDetails``).

Recorded shapes (simulator/RECORDED.md): numbers as strings (R39, R41), the provider-level state
during initial replication (R10), disk targets null once the Azure VM is gone (R6), RPO fields
with the "never" sentinel (R9, R53).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.models.base import UNSET_TIME, iso
from simulator.models.hyperv_states import _PROVIDER_STATE

if TYPE_CHECKING:
    from simulator.models.hyperv import HyperVItem


def provider_details(item: HyperVItem, at: datetime) -> dict[str, Any]:
    """``HyperVReplicaAzure`` details (``useManagedDisks`` is a string, as the service sends it)."""
    machine = item.machine
    azure_gone = machine.azure_state == "deleted"
    protected = item.state.protection_state == "Protected"
    state = item.state
    default = (state.protection_state, state.description)
    provider_state = _PROVIDER_STATE.get(state.protection_state, default)
    disks = []
    for lun, disk in enumerate(machine.disks):
        disks.append(
            {
                "vhdType": "OperatingSystem" if lun == 0 else "DataDisk",
                "vhdId": f"{item.name}-{disk.name}",
                "diskId": f"/subscriptions/{item.world.subscription_id}/resourceGroups/rg-dr-target"
                "/providers/"
                f"Microsoft.Compute/disks/{disk.name}"
                if disk.managed
                else None,
                "vhdName": disk.name,
                "maxSizeMB": str(disk.size_gb * 1024),  # R39: a string
                # R6: null once the failback is committed (the Azure disks are gone)
                "targetDiskLocation": None
                if disk.managed or azure_gone
                else f"https://sadr.blob.core.windows.net/vhds/{disk.name}.vhd",
                "targetDiskName": None if azure_gone else disk.name,
                "lunId": str(lun),  # R39: a string, "0" for the OS disk
                "diskEncryptionSetId": None,
            }
        )
    return {
        "instanceType": "HyperVReplicaAzure",
        "useManagedDisks": "true" if machine.managed_disks else "false",
        "protectedManagedDisks": [
            # the 2025-08-01 schema's fields (tests/simulator/test_wire_schema.py)
            {"diskId": d["diskId"], "replicaDiskType": "Standard_LRS", "seedManagedDiskId": None}
            for d in disks
            if d["diskId"]
        ],
        "azureVmDiskDetails": disks,
        "oSDetails": {
            "osType": machine.os_type,
            "productType": "Server",
            "osEdition": "Windows Server 2022 Datacenter" if machine.os_type == "Windows" else "Ubuntu 22.04",
            "oSVersion": "10.0" if machine.os_type == "Windows" else "22.04",
            "oSMajorVersion": "10" if machine.os_type == "Windows" else "22",
            "oSMinorVersion": "0" if machine.os_type == "Windows" else "04",
        },
        "vmId": machine.azure_vm_id or item.name,
        # R10: the provider-level state differs during initial replication
        "vmProtectionState": provider_state[0],
        "vmProtectionStateDescription": provider_state[1],
        "recoveryAzureVmName": machine.name,
        "recoveryAzureVMSize": "Standard_D2s_v5",
        "recoveryAzureStorageAccount": None
        if machine.managed_disks
        else "/subscriptions/"
        f"{item.world.subscription_id}/resourceGroups/rg-dr-target/providers/Microsoft.Storage/storageAccounts/sadr",
        "recoveryAzureLogStorageAccountId": f"/subscriptions/{item.world.subscription_id}/resourceGroups/"
        "rg-dr-target/providers/Microsoft.Storage/storageAccounts/sadrlog",
        "recoveryAzureResourceGroupId": f"/subscriptions/{item.world.subscription_id}"
        "/resourceGroups/rg-dr-target",
        "lastReplicatedTime": iso(item.last_failover_time),
        "rpoInSeconds": item.rpo_seconds(at),
        # R53-style sentinel while no RPO was calculated
        "lastRpoCalculatedTime": iso(at) if protected else UNSET_TIME,
        "initialReplicationDetails": {  # R41: the percentage is a string
            "initialReplicationType": "InitialReplication",
            "initialReplicationProgressPercentage": "100" if protected else "0",
        },
        "lastRecoveryPointReceived": iso(item.last_failover_time),
        "vmNics": [],
        "selectedRecoveryAzureNetworkId": f"/subscriptions/{item.world.subscription_id}/resourceGroups/"
        "rg-dr-target/providers/Microsoft.Network/virtualNetworks/vnet-dr",
        "encryption": "Disabled",
        "sourceVmCpuCount": 2,
        "sourceVmRamSizeInMB": 8192,
    }
