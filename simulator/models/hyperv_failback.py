"""One failback run of a Hyper-V item (planned failover RecoveryToPrimary): tasks and outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from simulator.models import invariants
from simulator.models.hyperv_states import (
    FAILBACK_UNCOMMITTED,
    FailbackOptions,
)
from simulator.models.items import Operation
from simulator.models.jobs import Job, Task, TaskContext, TaskFailed

if TYPE_CHECKING:
    from simulator.models.hyperv import HyperVItem


#: G5 ``coded``: the failback's task names as codes (the prerequisites check's is recorded, R52;
#: the others are a guess in that style). Friendly names do not change.
_CODED_TASK_NAMES = {
    "SynchronizeDataBeforeFailover": "VmPfoSyncDataBeforeFailover",
    "CompleteFailover": "VmPfoWaitForCompleteFailover",
    "ShutdownVmOnRecovery": "VmPfoShutdownVm",
    "SynchronizeData": "VmPfoSyncDataAfterShutdown",
    "VmFailover": "VmPfoFailover",
    "StartVmOnPrimary": "VmPfoStartVm",
}


class Failback:
    """One failback run of a Hyper-V item (RecoveryToPrimary planned failover)."""

    def __init__(self, item: HyperVItem, options: FailbackOptions, via_plan: bool = False) -> None:
        self.item = item
        self.options = options
        self.via_plan = via_plan
        self.machine = item.machine
        self.rates = item.world.rates
        self.source = item.provider()
        self.target = options.alternate_provider or self.source
        self.snapshot: dict[str, float] = {}
        self.stopped_here: list[bool] = []

    def operation(self) -> Operation:
        """The job's tasks and outcome hooks."""
        rates = self.rates
        target = self.target
        tasks = [
            Task(
                "VmPfoPrerequisitesCheck",
                "Prerequisites check for planned failover",
                rates.preflight_s,
                on_end=self.preflight,
            ),
        ]
        if self.options.data_sync_option == "ForDownTime":
            tasks += [
                Task(
                    "SynchronizeDataBeforeFailover",
                    "Synchronize data before failover",
                    self.phase1_seconds,
                    on_start=self.start_phase1,
                    on_end=self.end_phase1,
                    data_sync=True,
                    provider=target,
                ),
                Task("CompleteFailover", "Complete failover", manual=True),
            ]
        tasks += [
            Task(
                "ShutdownVmOnRecovery",
                "Shut down the virtual machine in Azure",
                rates.shutdown_s,
                on_end=self.shutdown,
            ),
            Task(
                "SynchronizeData",
                "Synchronize data",
                self.final_seconds,
                on_end=self.end_final,
                data_sync=True,
                provider=target,
            ),
            Task("VmFailover", "Fail over", rates.failover_s),
            Task(
                "StartVmOnPrimary",
                "Start the virtual machine on-premises",
                rates.start_vm_s,
                on_end=self.start_vm,
                provider=target,
            ),
        ]
        if self.item.world.profile.failback_tasks == "coded":  # G5
            for task in tasks:
                task.name = _CODED_TASK_NAMES.get(task.name, task.name)
        return Operation(
            "PlannedFailover",
            "Planned failover",
            tasks,
            on_success=self.succeeded,
            on_failure=self.failed,
            on_cancel=self.cancelled,
            running_state=("PlannedFailoverInitiated", "Planned failover in progress"),
        )

    # --- task effects -------------------------------------------------------------------------
    def preflight(self, ctx: TaskContext) -> None:
        """Prerequisites: hosts connected (H2b), on-prem VM off and present (or to be created)."""
        machine = self.machine
        for needed in (self.source, self.target):
            if needed is not None and not needed.is_connected(ctx.at):
                raise ctx.world.provider_lost_error(needed)
        if machine.onprem_state == "running":
            raise TaskFailed(
                "70038",
                f"The virtual machine '{machine.name}' is running on the on-premises host. Shut it down "
                "before failing back.",
                recommended_action="Turn off the on-premises virtual machine and retry.",
            )
        if machine.onprem_state == "absent" and not self.options.create_vm_if_not_found:
            raise TaskFailed(
                "70039",
                f"The virtual machine '{machine.name}' was not found on the on-premises host.",
                recommended_action="Retry the failback with the option to create the virtual machine if "
                "it does not exist (recoveryVmCreationOption 'CreateVmIfNotFound').",
            )
        if machine.azure_state not in ("running", "stopped"):
            raise TaskFailed("70040", f"The Azure virtual machine '{machine.name}' was not found.")
        target = self.options.alternate_provider
        if target is not None:
            if machine.virtual_switch not in target.virtual_switches:
                # H9: the new host needs a virtual switch named as on the original server
                raise TaskFailed(
                    "70041",
                    f"The virtual switch '{machine.virtual_switch}' was not found on the host "
                    f"'{target.friendly_name}'.",
                    possible_causes="The alternate host has no virtual switch with the name used on the "
                    "original server.",
                    recommended_action=f"Create a virtual switch named '{machine.virtual_switch}' on "
                    f"'{target.friendly_name}' and retry.",
                )
            machine.onprem_host = target.name
            self.item.reset_onprem()
        elif machine.onprem_state in ("absent", "corrupt"):
            self.item.reset_onprem()

    def start_phase1(self, ctx: TaskContext) -> None:
        """Phase 1 copies a snapshot taken now; the Azure VM keeps running and writing (H3a)."""
        self.snapshot = {d.name: self.machine.azure_written(d, ctx.at) for d in self.machine.disks}

    def phase1_seconds(self, ctx: TaskContext) -> float:
        """Checksums over every disk plus the changed data."""
        machine = self.machine
        pending = sum(
            min(d.size_mb, max(0.0, self.snapshot[d.name] - d.onprem_synced_mb)) for d in machine.disks
        )
        return machine.total_gb / self.rates.checksum_gb_s + self.rates.transfer_seconds(pending)

    def end_phase1(self, ctx: TaskContext) -> None:
        """The snapshot is on-prem."""
        ctx.moved(self.machine.sync_to_onprem(ctx.at, upto=self.snapshot))

    def shutdown(self, ctx: TaskContext) -> None:
        """The Azure VM stops (downtime starts)."""
        if self.machine.azure_state == "running":
            self.stopped_here.append(True)
        self.machine.stop_azure(ctx.at)

    def final_seconds(self, ctx: TaskContext) -> float:
        """ForDownTime: the delta since phase 1; ForSynchronization: a full download (H3b)."""
        if self.options.data_sync_option == "ForSynchronization":
            return self.rates.transfer_seconds(self.machine.total_mb)
        return self.rates.transfer_seconds(self.machine.pending_to_onprem_mb(ctx.at))

    def end_final(self, ctx: TaskContext) -> None:
        """The on-prem disks hold the Azure disks' final state."""
        moved = self.machine.sync_to_onprem(ctx.at)
        if self.options.data_sync_option == "ForSynchronization":
            moved = self.machine.total_mb
        ctx.moved(moved)

    def start_vm(self, ctx: TaskContext) -> None:
        """The on-prem VM starts (created first when missing, H9)."""
        if self.machine.onprem_state == "absent":
            self.machine.onprem_state = "off"
        invariants.start_onprem(ctx.world, self.machine, ctx.at, after_failback=True)

    # --- outcomes -----------------------------------------------------------------------------
    def succeeded(self, job: Job, at: datetime) -> None:
        """Failback done: the VM is active on-prem, commit pending (H7)."""
        item = self.item
        if self.options.alternate_provider is not None:
            item.provider_name = self.options.alternate_provider.name
        item.last_failover_time = at
        item.failback_options = self.options
        item.state = FAILBACK_UNCOMMITTED  # R3, through a plan too (the plan offers Commit: R26)

    def failed(self, job: Job, at: datetime) -> None:
        """Failure: when only the VM start failed, the data is home and commit is possible."""
        task = job.current_task()
        if task is not None and task.name == "StartVmOnPrimary":
            self.succeeded(job, at)
            return
        self.item.rollback(job, at, self.stopped_here)

    def cancelled(self, job: Job, at: datetime) -> None:
        """Cancelled: back to running in Azure (on-prem VM corrupt if cancelled during sync, H10)."""
        self.item.rollback(job, at, self.stopped_here)
