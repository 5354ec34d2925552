"""Classic VMware protected items: configuration server, master target, ``InMage`` failback (seed 002)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from simulator.errors import bad_request
from simulator.models import invariants
from simulator.models.base import iso
from simulator.models.items import ItemState, Operation
from simulator.models.jobs import Job, Task, TaskContext, TaskFailed
from simulator.models.vmware import (
    VmwareItem,
    require_fields,
)
from simulator.models.vmware_infra import ConfigServer, MasterTarget, ProcessServer
from simulator.models.vmware_rules import (
    AsrError,
    agent_not_registered,
    config_server_disconnected,
    datastore_unusable,
    fail_if,
    master_target_full,
    master_target_os_mismatch,
    replication_group_mixed_os,
    replication_group_other_master_target,
)

# Classic: re-protected Azure -> on-premises (provider InMage); failback is an unplanned failover only.
CLASSIC_REPROTECTED = ItemState(
    "Protected", "Protected", "Recovery", ["UnplannedFailover", "DisableProtection"]
)
# Classic: failed back, on-premises VM running, commit pending.
CLASSIC_FAILED_BACK = ItemState(
    "UnplannedFailoverCommitPendingStatesBegin",
    "Failover completed",
    "Primary",
    ["Commit", "ChangePit", "DisableProtection"],
)
# Classic: failback committed (Azure VM removed), waiting for re-protect back to Azure.
CLASSIC_ON_PREM = ItemState(
    "UnplannedFailoverCommitted", "Failover committed", "Primary", ["ReverseReplicate", "DisableProtection"]
)

INMAGE_POINT_TYPES = ("LatestTime", "LatestTag", "Custom")


def _check_point(point_type: str, point_id: str | None) -> None:
    if point_type not in INMAGE_POINT_TYPES:
        raise bad_request(
            f"Invalid recovery point type '{point_type}'. Valid values: LatestTime, LatestTag, Custom.",
            code="InvalidProviderSpecificInput",
        )
    if point_type == "Custom" and not point_id:
        raise bad_request(
            "recoveryPointId is required with recovery point type 'Custom'.",
            code="InvalidProviderSpecificInput",
        )


def _last_tag(since: datetime, now: datetime, every_minutes: int = 60) -> datetime:
    """Time of the latest app-consistent tag: every ``every_minutes`` from ``since`` (V2: 60 min)."""
    periods = int(max(0.0, (now - since).total_seconds()) // (every_minutes * 60))
    return since + timedelta(minutes=every_minutes * periods)


class ClassicVmwareItem(VmwareItem):
    """A VMware VM or physical server protected with the classic configuration server (seed 002)."""

    to_azure_provider = "InMageAzureV2"
    reprotect_to_onprem_input = ("InMage", "re-protecting a VMware virtual machine from Azure to on-premises")
    reprotect_to_azure_input = ("InMageAzureV2", "re-protecting a VMware virtual machine to Azure")
    failback_input = ("InMage", "failing back a VMware virtual machine")
    committed_on_prem = CLASSIC_ON_PREM

    def __init__(self, *args: Any, config_server: ConfigServer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cs = config_server
        self.master_target_id: str | None = None
        self.process_server_id: str | None = None
        self.datastore_name: str | None = None
        self.retention_drive: str | None = None
        self.run_as_account_id: str | None = None
        self.profile_id: str | None = None

    def cs_provider(self) -> Any:
        """The configuration server's recovery services provider."""
        return self.provider()

    def _cs_error(self, at: datetime) -> AsrError | None:
        provider = self.cs_provider()
        return config_server_disconnected(self.cs.host_name, provider is None or provider.is_connected(at))

    # --- re-protect Azure -> on-prem (InMageReprotectInput) ------------------------------------------
    def _reprotect_targets(self, details: dict[str, Any]) -> tuple[MasterTarget, ProcessServer, Any, str]:
        """Validate an ``InMageReprotectInput`` (V1): master target, process server, policy, datastore."""
        require_fields(
            details, ("masterTargetId", "processServerId", "retentionDrive", "profileId"), "InMage reprotect"
        )
        cs = self.cs
        mt = cs.master_target(str(details["masterTargetId"]))
        ps = cs.process_server(str(details["processServerId"]))
        for kind, value, found in (
            ("master target server", details["masterTargetId"], mt),
            ("process server", details["processServerId"], ps),
        ):
            if found is None:
                raise bad_request(
                    f"The {kind} '{value}' isn't registered with the configuration server '{cs.host_name}'.",
                    code="InvalidProviderSpecificInput",
                )
        assert mt is not None and ps is not None
        volumes = [v.volume_name for v in mt.retention_volumes]
        if details["retentionDrive"] not in volumes:
            raise bad_request(
                f"The retention drive '{details['retentionDrive']}' isn't available on master target "
                f"'{mt.name}'. Available: {', '.join(volumes) or 'none'}.",
                code="InvalidProviderSpecificInput",
            )
        policy = self.world.policies.get(str(details["profileId"]).rsplit("/", 1)[-1].lower())
        if policy is None or policy.details.get("instanceType") != "InMage":
            raise bad_request(
                f"The failback policy '{details['profileId']}' wasn't found or isn't an InMage policy.",
                code="InvalidProviderSpecificInput",
            )
        datastore = str(details.get("datastoreName") or "")
        if not datastore:
            raise bad_request(
                "A datastore is required for re-protect, even when the on-premises disks exist (it is used "
                "only when the on-premises virtual machine must be created).",
                code="InvalidProviderSpecificInput",
            )
        return mt, ps, policy, datastore

    def _check_group(self, mt: MasterTarget) -> None:
        """V3/V5: a replication group shares one OS type and one master target."""
        if not self.group:
            return
        members = [self, *self.siblings()]
        fail_if(replication_group_mixed_os(self.group, {m.machine.os_type for m in members}))
        for sibling in self.siblings():
            if isinstance(sibling, ClassicVmwareItem) and sibling.master_target_id:
                fail_if(replication_group_other_master_target(self.group, mt.id, sibling.master_target_id))

    def _tag_counters(self, at: datetime) -> dict[str, float]:
        """Azure disk counters at the latest app-consistent tag (V2: every 60 min since protection)."""
        assert self.protected_since is not None
        machine = self.machine
        tag = _last_tag(self.protected_since, at)
        running_for = (at - tag).total_seconds() if machine.azure_state == "running" else 0.0
        return {d.name: machine.azure_written(d, at) - running_for * d.write_rate_mb_s for d in machine.disks}

    def reprotect_to_onprem_operation(self, details: dict[str, Any]) -> Operation:
        """Re-protect Azure -> on-prem (V1, V3, V4, V5): the job that makes the item ``InMage``/Protected."""
        mt, ps, policy, datastore = self._reprotect_targets(details)
        cs = self.cs
        account = details.get("runAsAccountId")
        machine = self.machine
        rates = self.world.rates
        disks = len(machine.disks)
        full_copy: list[bool] = []

        def checks(ctx: TaskContext) -> None:
            fail_if(self._cs_error(ctx.at))
            fail_if(agent_not_registered(self.friendly_name, self.agent_registered(ctx.at)))
            fail_if(master_target_os_mismatch(self.friendly_name, machine.os_type, mt))
            self._check_group(mt)
            fail_if(master_target_full(mt, disks))
            mt.attached[self.name] = disks  # reserved: counts for the next re-protect to this MT

        def prepare(ctx: TaskContext) -> None:
            run_as = cs.run_as_account(str(account)) if account else None
            read_only = cs.discovered_read_only or bool(run_as and run_as.read_only)
            fail_if(datastore_unusable(read_only, mt, datastore))

        def power_off_onprem(ctx: TaskContext) -> None:
            # V5: the on-premises VM is turned off during re-protect to keep the replica consistent.
            if machine.onprem_state == "running":
                machine.stop_onprem(ctx.at)
            if machine.onprem_state in ("absent", "corrupt"):
                # alternate location: a new VM is created on the MT's ESXi host and datastore (full copy)
                machine.onprem_state = "off"
                machine.onprem_host = mt.name
                for disk in machine.disks:
                    disk.onprem_synced_mb = 0.0
                    disk.onprem_local_mb = 0.0
                full_copy.append(True)

        def sync_seconds(ctx: TaskContext) -> float:
            if full_copy:
                return rates.transfer_seconds(machine.total_mb)
            return rates.transfer_seconds(machine.pending_to_onprem_mb(ctx.at))

        def sync(ctx: TaskContext) -> None:
            moved = machine.sync_to_onprem(ctx.at)
            ctx.moved(machine.total_mb if full_copy else moved)

        tasks = self._reprotect_tasks(
            checks,
            sync_seconds,
            sync,
            power_off_onprem=power_off_onprem,
            prepare=prepare,
            provider=self.cs_provider(),
        )

        def succeeded(job: Job, at: datetime) -> None:
            self.instance_type = "InMage"
            self.state = CLASSIC_REPROTECTED
            self.protected_since = at
            self.master_target_id = mt.id
            self.process_server_id = ps.id
            self.datastore_name = datastore
            self.retention_drive = str(details["retentionDrive"])
            self.run_as_account_id = str(account) if account else None
            self.profile_id = policy.arm_id

        def released(job: Job, at: datetime) -> None:
            mt.attached.pop(self.name, None)

        return self._reprotect_operation(tasks, succeeded, released)

    # --- failback: unplanned failover (InMageUnplannedFailoverInput) ---------------------------------
    def planned_failover(self, body: dict[str, Any]) -> Job:
        """Planned failover isn't offered for classic VMware (PowerShell refuses it too)."""
        raise bad_request(
            f"Planned failover is not supported for the replication provider '{self.instance_type}'. "
            "Use an unplanned failover.",
            code="OperationNotSupported",
        )

    def unplanned_failover(self, body: dict[str, Any]) -> Job:
        """POST unplannedFailover: failback of a re-protected (InMage) item to on-premises."""
        return self._failback_request(
            body,
            "unplanned",
            f"Failover of '{self.friendly_name}' in its current state isn't supported by the simulator: "
            "re-protect it to on-premises first.",
            lambda props, details: self.failback_operation(
                str(details.get("recoveryPointType") or "LatestTime"),
                details.get("recoveryPointId"),
                props.get("sourceSiteOperations") != "NotRequired",
            ),
        )

    def _failback_checks(self, at: datetime) -> None:
        """Failback prerequisites: CS connected, at least one recovery point."""
        fail_if(self._cs_error(at))
        if self.protected_since is None:
            raise TaskFailed(
                "78070",
                f"No recovery point is available for the virtual machine '{self.friendly_name}'.",
                recommended_action="Wait until a recovery point is generated and retry.",
            )

    def failback_operation(self, point_type: str, point_id: str | None, shutdown: bool) -> Operation:
        """Failback: shut down the Azure VM, apply the recovery point on-prem, start the on-prem VM.

        Args:
            point_type: ``LatestTime`` (all data, crash-consistent), ``LatestTag`` (latest app-consistent
                tag; later writes are lost) or ``Custom`` (``point_id``; treated as the latest tag).
            point_id: recovery point for ``Custom``.
            shutdown: ``sourceSiteOperations`` ``Required`` (default): shut down the Azure VM first.
        """
        _check_point(point_type, point_id)
        machine = self.machine
        rates = self.world.rates
        upto: dict[str, float] = {}

        def checks(ctx: TaskContext) -> None:
            self._failback_checks(ctx.at)
            if point_type != "LatestTime":
                upto.update(self._tag_counters(ctx.at))

        def power_off_azure(ctx: TaskContext) -> None:
            if shutdown:
                machine.stop_azure(ctx.at)

        def apply_seconds(ctx: TaskContext) -> float:
            return rates.transfer_seconds(machine.pending_to_onprem_mb(ctx.at))

        def apply(ctx: TaskContext) -> None:
            ctx.moved(machine.sync_to_onprem(ctx.at, upto=upto or None))

        def start_vm(ctx: TaskContext) -> None:
            invariants.start_onprem(self.world, machine, ctx.at, after_failback=True)

        provider = self.cs_provider()
        tasks = [
            Task(
                "VmUfoPrerequisitesCheck",
                "Prerequisites check for failover",
                rates.preflight_s,
                on_end=checks,
            ),
            Task(
                "ShutdownVmOnRecovery",
                "Shut down the virtual machine in Azure",
                rates.shutdown_s,
                on_end=power_off_azure,
            ),
            Task(
                "SynchronizeData",
                "Apply the recovery point to the on-premises disks",
                apply_seconds,
                on_end=apply,
                data_sync=True,
                provider=provider,
            ),
            Task("VmFailover", "Fail over", rates.failover_s, provider=provider),
            Task(
                "StartVmOnPrimary", "Start the virtual machine on-premises", rates.start_vm_s, on_end=start_vm
            ),
        ]

        def succeeded(job: Job, at: datetime) -> None:
            self.last_failover_time = at
            self.state = CLASSIC_FAILED_BACK

        def failed(job: Job, at: datetime) -> None:
            task = job.current_task()
            if job.state == "Failed" and task is not None and task.name == "StartVmOnPrimary":
                # the data is on-premises, only the VM didn't start: commit is possible (and risky)
                succeeded(job, at)
                return
            self.state = previous
            if machine.azure_state == "stopped" and machine.onprem_state != "running":
                invariants.start_azure(self.world, machine, at)

        self.failback_started = self.world.now()
        previous = self.state
        return Operation(
            "UnplannedFailover",
            "Failover",
            tasks,
            on_success=succeeded,
            on_failure=failed,
            on_cancel=failed,
            running_state=("UnplannedFailoverInitiated", "Failover in progress"),
        )

    def _disk_holder(self) -> MasterTarget | None:
        """The master target the re-protect attached the replica disks to."""
        return self.cs.master_target(self.master_target_id or "")

    # --- re-protect on-prem -> Azure (InMageAzureV2ReprotectInput) ---------------------------------
    def reprotect_to_azure_operation(self, details: dict[str, Any]) -> Operation:
        """Re-protect back to Azure after the failback; the on-prem agent must have registered (V4)."""

        def checks(ctx: TaskContext) -> None:
            fail_if(self._cs_error(ctx.at))
            fail_if(agent_not_registered(self.friendly_name, self.agent_registered(ctx.at)))

        def succeeded(job: Job, at: datetime) -> None:
            if details.get("processServerId"):
                self.process_server_id = str(details["processServerId"])
            self.master_target_id = None

        return self._reprotect_to_azure(checks, succeeded)

    # --- views ---------------------------------------------------------------------------------------
    def provider_details(self, at: datetime) -> dict[str, Any]:
        """``InMageAzureV2`` or ``InMage`` details."""
        machine = self.machine
        common: dict[str, Any] = {
            "instanceType": self.instance_type,
            "multiVmGroupId": f"group-{self.group}" if self.group else None,
            "multiVmGroupName": self.group,
            "lastHeartbeat": self.agent_heartbeat(at),
            "processServerId": self.process_server_id,
            "masterTargetId": self.master_target_id,
            "vCenterInfrastructureId": f"{self.cs.fabric_name}-vcenter",
            "infrastructureVmId": f"vm-{machine.name}",
            "discoveryType": "vCenter",
            "ipAddress": machine.ip_address,
            "vmId": self.name,
            "validationErrors": [],
            "rpoInSeconds": 30 if self.state.protection_state == "Protected" else None,
            "vmProtectionState": self.state.protection_state,
            "vmProtectionStateDescription": self.state.description,
            "protectionStage": self.state.description,
        }
        if self.instance_type == "InMage":
            tag = _last_tag(self.protected_since, at) if self.protected_since else None
            return common | {
                "activeSiteType": "Azure",
                "osDetails": {"osType": machine.os_type, "productType": "Server"},
                "osVersion": "10.0" if machine.os_type == "Windows" else "20.04",
                "protectedDisks": self._disks_arm(),
                "retentionWindowStart": iso(self.protected_since),
                "retentionWindowEnd": iso(at),
                "consistencyPoints": {"LatestTag": iso(tag)} if tag else {},
                "datastores": [self.datastore_name] if self.datastore_name else [],
                "agentDetails": {"agentVersion": "9.60.0.0", "agentUpdateStatus": "None"},
            }
        return common | {
            "osType": machine.os_type,
            "osName": "Windows Server 2019" if machine.os_type == "Windows" else "Ubuntu 20.04",
            "osVersion": "10.0" if machine.os_type == "Windows" else "20.04",
            "agentVersion": "9.60.0.0",
            "isAgentUpdateRequired": "false",
            "isRebootAfterUpdateRequired": "false",
            "processServerName": (
                ps.name if (ps := self.cs.process_server(self.process_server_id or "")) else None
            ),
            "protectedDisks": self._disks_arm(),
            "protectedManagedDisks": [{"diskId": d.name, "targetDiskName": d.name} for d in machine.disks],
            "useManagedDisks": "True",
            "datastores": [],
            "recoveryAzureVMName": machine.name,
            "targetVmId": machine.azure_vm_id or None,
            "azureVMDiskDetails": [],
        }
