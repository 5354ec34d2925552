"""Modernized VMware protected items: replication appliance, reprotect agent, ``InMageRcmFailback``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.errors import bad_request
from simulator.models import invariants, steps
from simulator.models.base import iso
from simulator.models.items import ItemState, Operation
from simulator.models.jobs import Job, Task, TaskContext
from simulator.models.vmware import (
    VmwareItem,
    require_fields,
)
from simulator.models.vmware_infra import Appliance, ReprotectAgent
from simulator.models.vmware_rules import (
    agent_not_registered,
    appliance_full,
    fail_if,
    reprotect_agent_datastore,
)

# Modernized: re-protected Azure -> on-premises (provider InMageRcmFailback); failback is a planned failover.
# R47: an InMageRcmFailback item replicating back reads activeLocation Primary (its VM runs in Azure).
RCM_REPROTECTED = ItemState("Protected", "Protected", "Primary", ["PlannedFailover", "DisableProtection"])
# Modernized: failed back, commit pending; a planned failover from Azure can still be cancelled (§4f).
RCM_FAILED_BACK = ItemState(
    "PlannedFailoverCommitRequired",
    "Planned failover finished",
    "Primary",
    ["Commit", "CancelFailover", "DisableProtection"],
)
# Modernized: failback committed.
RCM_ON_PREM = ItemState(
    "PlannedFailoverStatesBegin",
    "Planned failover committed",
    "Primary",
    ["ReverseReplicate", "DisableProtection"],
)

RCM_POINT_TYPES = ("ApplicationConsistent", "CrashConsistent")


class ModernizedVmwareItem(VmwareItem):
    """A VMware VM protected with the modernized appliance (InMageRcm <-> InMageRcmFailback)."""

    to_azure_provider = "InMageRcm"
    reprotect_to_onprem_input = (
        "InMageRcm",
        "re-protecting a modernized VMware virtual machine to on-premises",
    )
    reprotect_to_azure_input = (
        "InMageRcmFailback",
        "re-protecting a modernized VMware virtual machine to Azure",
    )
    failback_input = ("InMageRcmFailback", "failing back a modernized VMware virtual machine")
    committed_on_prem = RCM_ON_PREM

    def __init__(self, *args: Any, appliance: Appliance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.appliance = appliance
        self.reprotect_agent_id: str | None = None
        self.datastore_name: str | None = None
        self.log_storage_account_id: str | None = None
        self.policy_id: str | None = None
        self.process_server_id: str | None = (
            appliance.process_servers[0].id if appliance.process_servers else None
        )
        self.last_planned_failover_start: datetime | None = None
        self.last_planned_failover_status: str | None = None

    # --- re-protect ----------------------------------------------------------------------------------
    def reprotect_to_onprem_operation(self, details: dict[str, Any]) -> Operation:
        """Re-protect with the appliance's reprotect agent to a datastore it can access (§4f step 2)."""
        require_fields(
            details, ("reprotectAgentId", "datastoreName", "logStorageAccountId"), "InMageRcm reprotect"
        )
        agent = self.appliance.reprotect_agent(str(details["reprotectAgentId"]))
        if agent is None:
            raise bad_request(
                f"The reprotect agent '{details['reprotectAgentId']}' wasn't found in the fabric "
                f"'{self.appliance.friendly_name}'.",
                code="InvalidProviderSpecificInput",
            )
        datastore = str(details["datastoreName"])
        machine = self.machine
        rates = self.world.rates
        disks = len(machine.disks)

        def checks(ctx: TaskContext) -> None:
            fail_if(agent_not_registered(self.friendly_name, self.agent_registered(ctx.at)))
            fail_if(reprotect_agent_datastore(agent, datastore))
            fail_if(appliance_full(agent, disks))
            agent.attached[self.name] = disks

        def power_off_onprem(ctx: TaskContext) -> None:
            if machine.onprem_state == "running":
                machine.stop_onprem(ctx.at)
            if machine.onprem_state in ("absent", "corrupt"):
                machine.onprem_state = "off"
                for disk in machine.disks:
                    disk.onprem_synced_mb = 0.0

        def sync(ctx: TaskContext) -> None:
            ctx.moved(machine.sync_to_onprem(ctx.at))

        tasks = self._reprotect_tasks(
            checks,
            lambda ctx: rates.transfer_seconds(machine.pending_to_onprem_mb(ctx.at)),
            sync,
            power_off_onprem=power_off_onprem,
        )

        def succeeded(job: Job, at: datetime) -> None:
            self.instance_type = "InMageRcmFailback"
            self.state = RCM_REPROTECTED
            self.protected_since = at
            self.reprotect_agent_id = agent.id
            self.datastore_name = datastore
            self.log_storage_account_id = str(details["logStorageAccountId"])
            self.policy_id = str(details.get("policyId") or "") or None

        def released(job: Job, at: datetime) -> None:
            agent.attached.pop(self.name, None)

        return self._reprotect_operation(tasks, succeeded, released)

    # --- failback: planned failover (InMageRcmFailbackPlannedFailoverProviderInput) -------------------
    def planned_failover(self, body: dict[str, Any]) -> Job:
        """POST plannedFailover of a re-protected (InMageRcmFailback) item; direction may be omitted."""
        return self._failback_request(
            body,
            "planned",
            f"Planned failover of '{self.friendly_name}' in its current state isn't supported: "
            "re-protect it to on-premises first.",
            lambda props, details: self.failback_operation(str(details.get("recoveryPointType") or "")),
        )

    def unplanned_failover(self, body: dict[str, Any]) -> Job:
        """Unplanned failover from Azure isn't how modernized failback works."""
        raise bad_request(
            f"Unplanned failover is not supported for the replication provider '{self.instance_type}' "
            "in this state. Fail back with a planned failover.",
            code="OperationNotSupported",
        )

    def failback_operation(self, point_type: str) -> Operation:
        """Copy pending changes, shut down the Azure VM, final sync + recovery point, start on-prem (§4f)."""
        if point_type not in RCM_POINT_TYPES:
            raise bad_request(
                f"Invalid recovery point type '{point_type}'. "
                "Valid values: ApplicationConsistent, CrashConsistent.",
                code="InvalidProviderSpecificInput",
            )
        machine = self.machine
        rates = self.world.rates

        def sync(ctx: TaskContext) -> None:
            ctx.moved(machine.sync_to_onprem(ctx.at))

        def power_off_azure(ctx: TaskContext) -> None:
            machine.stop_azure(ctx.at)

        def start_vm(ctx: TaskContext) -> None:
            invariants.start_onprem(self.world, machine, ctx.at, after_failback=True)

        def pending(ctx: TaskContext) -> float:
            return rates.transfer_seconds(machine.pending_to_onprem_mb(ctx.at))

        def started(ctx: TaskContext) -> None:
            self.failback_started = self.last_planned_failover_start = ctx.at
            self.last_planned_failover_status = "Unknown"

        tasks = [
            Task(
                "VmPfoPrerequisitesCheck",
                "Prerequisites check for planned failover",
                rates.preflight_s,
                on_start=started,
            ),
            Task("SynchronizeData", "Copy pending changes", pending, on_end=sync, data_sync=True),
            Task(
                "ShutdownVmOnRecovery",
                "Shut down the virtual machine in Azure",
                rates.shutdown_s,
                on_end=power_off_azure,
            ),
            Task(
                "CreateRecoveryPoint",
                f"Synchronize final changes and create a {point_type} recovery point",
                pending,
                on_end=sync,
                data_sync=True,
            ),
            Task("VmFailover", "Detach and snapshot the disks", rates.failover_s),
            Task(
                "StartVmOnPrimary", "Start the virtual machine on-premises", rates.start_vm_s, on_end=start_vm
            ),
        ]

        def succeeded(job: Job, at: datetime) -> None:
            self.last_failover_time = at
            self.last_planned_failover_status = "Succeeded"
            self.state = RCM_FAILED_BACK

        def revert(job: Job, at: datetime) -> None:
            # a failed planned failover is cancelled automatically: Azure VM back on, on-prem VM off
            self.last_planned_failover_status = "Failed" if job.state == "Failed" else "Cancelled"
            if machine.onprem_state == "running":
                machine.stop_onprem(at)
            if machine.azure_state == "stopped":
                invariants.start_azure(self.world, machine, at)

        return steps.reverting_operation(
            self,
            "PlannedFailover",
            "Planned failover",
            tasks,
            succeeded,
            revert,
            running=("PlannedFailoverInitiated", "Planned failover in progress"),
        )

    # --- cancel, commit ------------------------------------------------------------------------------
    def cancel_operation(self) -> Operation:
        """POST failoverCancel: disks revert, Azure VM back on, replication to on-prem resumes (§4f)."""

        def succeeded(job: Job, at: datetime) -> None:
            self.last_planned_failover_status = "Cancelled"
            self.failback_started = None
            self.state = RCM_REPROTECTED

        return steps.cancel_failback_operation(self, "Revert the disks", succeeded)

    def _disk_holder(self) -> ReprotectAgent | None:
        """The reprotect agent holding the replica disks (the simulator requires a commit, §8 item 8)."""
        return self.appliance.reprotect_agent(self.reprotect_agent_id or "")

    def reprotect_to_azure_operation(self, details: dict[str, Any]) -> Operation:
        """Re-protect back to Azure with the appliance's process server and the InMageRcm policy."""
        require_fields(details, ("processServerId", "policyId"), "InMageRcmFailback reprotect")
        if self.appliance.process_server(str(details["processServerId"])) is None:
            raise bad_request(
                f"The process server '{details['processServerId']}' wasn't found in the fabric "
                f"'{self.appliance.friendly_name}'.",
                code="InvalidProviderSpecificInput",
            )

        def checks(ctx: TaskContext) -> None:
            fail_if(agent_not_registered(self.friendly_name, self.agent_registered(ctx.at)))

        def succeeded(job: Job, at: datetime) -> None:
            self.process_server_id = str(details["processServerId"])
            self.reprotect_agent_id = None

        return self._reprotect_to_azure(checks, succeeded)

    # --- views ---------------------------------------------------------------------------------------
    def provider_details(self, at: datetime) -> dict[str, Any]:
        """``InMageRcm`` or ``InMageRcmFailback`` details."""
        machine = self.machine
        registered = self.agent_registered(at)
        agent_details: dict[str, Any] = {
            "version": "9.60.0.0",
            "latestVersion": "9.60.0.0",
            "lastHeartbeatUtc": self.agent_heartbeat(at),
            "isUpgradeable": "false",
            "reasonsBlockingUpgrade": [],
        }
        if self.instance_type == "InMageRcmFailback":
            agent = self.appliance.reprotect_agent(self.reprotect_agent_id or "")
            return {
                "instanceType": "InMageRcmFailback",
                "internalIdentifier": self.protectable_item_id,
                "azureVirtualMachineId": machine.azure_vm_id or None,
                "multiVmGroupName": self.group,
                "reprotectAgentId": self.reprotect_agent_id,
                "reprotectAgentName": agent.name if agent else None,
                "osType": machine.os_type,
                "logStorageAccountId": self.log_storage_account_id,
                "targetvCenterId": agent.vcenter_id if agent else None,
                "targetDataStoreName": self.datastore_name,
                "targetVmName": machine.name,
                "initialReplicationProgressPercentage": 100,
                "initialReplicationProgressHealth": "Normal",
                "resyncRequired": "false",
                "resyncState": "None",
                "protectedDisks": self._disks_arm(rcm=True),
                "mobilityAgentDetails": agent_details,
                "isAgentRegistrationSuccessfulAfterFailover": registered,
                "lastPlannedFailoverStartTime": iso(self.last_planned_failover_start),
                "lastPlannedFailoverStatus": self.last_planned_failover_status,
                "lastUsedPolicyId": self.policy_id,
                "vmNics": [],
            }
        ps = self.appliance.process_server(self.process_server_id or "")
        return {
            "instanceType": "InMageRcm",
            "internalIdentifier": self.protectable_item_id,
            "multiVmGroupName": self.group,
            "discoveryType": "vCenter",
            "processServerId": self.process_server_id,
            "processServerName": ps.name if ps else None,
            "runAsAccountId": self.appliance.run_as_accounts[0].account_id
            if self.appliance.run_as_accounts
            else None,
            "osType": machine.os_type,
            "osName": "Windows Server 2022" if machine.os_type == "Windows" else "Ubuntu 22.04",
            "firmwareType": "BIOS",
            "primaryNicIpAddress": machine.ip_address,
            "targetVmName": machine.name,
            "targetResourceGroupId": f"/subscriptions/{self.world.subscription_id}/resourceGroups/"
            "rg-dr-target",
            "protectedDisks": self._disks_arm(rcm=True),
            "unprotectedDisks": [],
            "mobilityAgentDetails": agent_details,
            "isAgentRegistrationSuccessfulAfterFailover": registered,
            "resyncRequired": "false",
            "resyncState": "None",
            "agentUpgradeState": "None",
            "lastRpoInSeconds": 30 if self.state.protection_state == "Protected" else None,
            "vmNics": [],
        }
