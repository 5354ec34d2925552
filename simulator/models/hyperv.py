"""Hyper-V to Azure protected items (``HyperVReplicaAzure``) and their failback sequences.

States (see README "Where the simulator guesses"):

==========================  ==========================================  ========  ===========================
moment                      protectionState                             active    allowedOperations
==========================  ==========================================  ========  ===========================
replicating to Azure        Protected                                   Primary   PlannedFailover, ...
failed over, not committed  PlannedFailoverCommitRequired / Unplanned…  Recovery  Commit, ChangePit, ...
committed in Azure          PlannedFailoverStatesBegin / Unplanned…ted  Recovery  Failback, ...
failback done, not commit.  FinalizeRestorePending (R3)                Primary   FinalizeFailback, ...
failback committed          RestoreFinalized (R6)                       Primary   ReverseReplicate, ...
reverse replication done    InitialReplicationInProgress (R9)           Primary   DisableProtection
initial replication done    Protected                                   Primary   PlannedFailover, ...
==========================  ==========================================  ========  ===========================
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.errors import bad_request
from simulator.models import hyperv_views, invariants, steps
from simulator.models.hyperv_failback import Failback
from simulator.models.hyperv_states import (
    DATA_SYNC_OPTIONS,
    FAILBACK_UNCOMMITTED,
    INITIAL_REPLICATION,
    PLANNED_COMMITTED,
    PLANNED_UNCOMMITTED,
    PROTECTED,
    RESTORE_FINALIZED,
    UNPLANNED_COMMITTED,
    UNPLANNED_UNCOMMITTED,
    VM_CREATION_OPTIONS,
    FailbackOptions,
)
from simulator.models.items import Operation, ProtectedItem
from simulator.models.jobs import Job, Task, TaskContext
from simulator.models.requests import failover_direction, properties

if TYPE_CHECKING:
    from simulator.models.fabrics import Provider

__all__ = [
    "DATA_SYNC_OPTIONS",
    "FAILBACK_UNCOMMITTED",
    "INITIAL_REPLICATION",
    "PLANNED_COMMITTED",
    "PLANNED_UNCOMMITTED",
    "PROTECTED",
    "RESTORE_FINALIZED",
    "UNPLANNED_COMMITTED",
    "UNPLANNED_UNCOMMITTED",
    "VM_CREATION_OPTIONS",
    "FailbackOptions",
    "HyperVItem",
]


class HyperVItem(ProtectedItem):
    """A Hyper-V VM protected to Azure (VMM-managed or in a Hyper-V site)."""

    instance_type = "HyperVReplicaAzure"
    protected_item_type = "HyperVVirtualMachine"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failback_options: FailbackOptions | None = None
        self.committed_state = UNPLANNED_COMMITTED
        #: when the item became Protected after an initial replication, and how long that took
        self.protected_since: datetime | None = None
        self.ir_seconds = 0.0

    @property
    def target_object_id(self) -> str:
        """R35/R57: a job on the item targets the VM's internal id (``providerSpecificDetails.vmId``)."""
        return self.machine.azure_vm_id or self.name

    # --- request parsing ----------------------------------------------------------------------
    def parse_failback(self, body: dict[str, Any]) -> FailbackOptions:
        """Validate a planned failover request in direction RecoveryToPrimary (H1, H2a, H2d, H9)."""
        props = properties(body)
        details = props.get("providerSpecificDetails") or {
            "instanceType": "HyperVReplicaAzureFailback",
            "dataSyncOption": "ForSynchronization",
        }
        if details.get("instanceType") != "HyperVReplicaAzureFailback":
            raise bad_request(
                "Invalid provider specific input: a failback of a Hyper-V virtual machine from Azure needs "
                f"instanceType 'HyperVReplicaAzureFailback', got '{details.get('instanceType')}'.",
                code="InvalidProviderSpecificInput",
            )
        option = details.get("dataSyncOption") or "ForSynchronization"
        if option not in DATA_SYNC_OPTIONS:
            raise bad_request(
                f"Invalid data sync option '{option}'. Valid values: ForDownTime, ForSynchronization.",
                code="InvalidProviderSpecificInput",
            )
        creation = details.get("recoveryVmCreationOption") or "NoAction"
        if creation not in VM_CREATION_OPTIONS:
            raise bad_request(
                f"Invalid recovery VM creation option '{creation}'. "
                "Valid values: CreateVmIfNotFound, NoAction.",
                code="InvalidProviderSpecificInput",
            )
        options = FailbackOptions(option, creation == "CreateVmIfNotFound")
        provider_id = details.get("providerIdForAlternateRecovery")
        if provider_id:
            options.alternate_provider = self._alternate_provider(provider_id, creation)
        if not self.machine.managed_disks:
            raise bad_request(
                f"Failback is not supported for the virtual machine '{self.friendly_name}' "
                "because it failed over "
                "to Azure with storage account (unmanaged) disks. Failback from Azure is supported only for "
                "virtual machines that use managed disks.",
                code="FailbackNotSupportedForUnmanagedDisks",
            )
        return options

    def _alternate_provider(self, provider_id: str, creation: str) -> Provider:
        if self.fabric.kind != "HyperVSite":
            raise bad_request(
                "An alternate Hyper-V host can be chosen only for virtual machines in a Hyper-V site; "
                "for VMM "
                "managed virtual machines the host is chosen by VMM.",
                code="AlternateLocationNotSupported",
            )
        if creation != "CreateVmIfNotFound":
            raise bad_request(
                "Failback to an alternate location needs recoveryVmCreationOption 'CreateVmIfNotFound'.",
                code="InvalidProviderSpecificInput",
            )
        provider = self.world.provider_by_id(provider_id)
        if provider is None or provider.fabric is not self.fabric:
            raise bad_request(
                f"The recovery services provider '{provider_id}' was not found in the fabric "
                f"'{self.fabric.friendly_name}'.",
                code="InvalidProviderSpecificInput",
            )
        return provider

    def _check_direction(self, direction: str) -> None:
        expected = "RecoveryToPrimary" if self.state.active_location == "Recovery" else "PrimaryToRecovery"
        if direction != expected:
            raise bad_request(
                f"The failover direction '{direction}' is not valid: "
                f"the virtual machine '{self.friendly_name}' "
                f"is active on the {self.state.active_location.lower()} site. Use '{expected}'.",
                code="InvalidFailoverDirection",
            )

    # --- operations ---------------------------------------------------------------------------
    def planned_failover(self, body: dict[str, Any]) -> Job:
        """Planned failover: failback (RecoveryToPrimary) or forward (PrimaryToRecovery)."""
        props = properties(body)
        if props.get("failoverDirection") is None and self.state.active_location == "Recovery":
            direction = "RecoveryToPrimary"  # R2: the SDK's failback body has no direction
        else:
            direction = failover_direction(props)
        self._check_direction(direction)
        if direction == "RecoveryToPrimary":
            self.require("Failback")
            options = self.parse_failback(body)
            self._remember("planned", body)
            return self.begin(self.failback_operation(options))
        self.require("PlannedFailover")
        self._remember("planned", body)
        return self.begin(self.forward_operation(planned=True, shutdown=True))

    def unplanned_failover(self, body: dict[str, Any]) -> Job:
        """Unplanned failover to Azure (PrimaryToRecovery); failback is a planned failover only."""
        direction = failover_direction(properties(body))
        if direction == "RecoveryToPrimary":
            raise bad_request(
                "Unplanned failover from Azure to on-premises is not supported for Hyper-V virtual machines. "
                "Fail back with a planned failover.",
                code="OperationNotSupported",
            )
        self._check_direction(direction)
        self.require("UnplannedFailover")
        shutdown = properties(body).get("sourceSiteOperations") == "Required"
        self._remember("unplanned", body)
        return self.begin(self.forward_operation(planned=False, shutdown=shutdown))

    def reprotect(self, body: dict[str, Any]) -> Job:
        """Reverse replication on-prem → Azure after a committed failback (H8)."""
        props = properties(body)
        direction = props.get("failoverDirection")
        if direction != "PrimaryToRecovery":
            raise bad_request(
                f"Invalid failover direction '{direction}' for reverse replication "
                "of a Hyper-V virtual machine "
                "after failback. Use 'PrimaryToRecovery'.",
                code="InvalidFailoverDirection",
            )
        details = props.get("providerSpecificDetails") or {"instanceType": "HyperVReplicaAzure"}
        if details.get("instanceType") != "HyperVReplicaAzure":
            raise bad_request(
                f"Invalid provider specific input '{details.get('instanceType')}': reverse replication of a "
                "Hyper-V virtual machine needs instanceType 'HyperVReplicaAzure'.",
                code="InvalidProviderSpecificInput",
            )
        self.require("ReverseReplicate")
        self._remember("reprotect", body)
        return self.begin(self.reprotect_operation())

    # --- failback (RecoveryToPrimary) ---------------------------------------------------------
    def failback_operation(self, options: FailbackOptions, via_plan: bool = False) -> Operation:
        """The failback job: tasks and outcomes (H3a/H3b, H9, H10).

        Args:
            options: parsed request.
            via_plan: True when a recovery plan runs it (alternate location is refused, H2e).
        """
        if via_plan and options.alternate_location:
            raise bad_request(
                "Failback to an alternate location is not supported for virtual machines failed back "
                "through a recovery plan. Fail back the virtual machine on its own, or fail back to the "
                "original location.",
                code="AlternateLocationNotSupportedForRecoveryPlan",
            )
        self.failback_started = self.world.now()
        return Failback(self, options, via_plan).operation()

    def reset_onprem(self) -> None:
        """Forget what the on-prem disks hold (new host, deleted or corrupt VM): a full copy follows."""
        for disk in self.machine.disks:
            disk.onprem_synced_mb = 0.0
            disk.onprem_local_mb = 0.0

    def rollback(self, job: Job, at: datetime, stopped_here: list[bool]) -> None:
        """A failback that failed or was cancelled part-way: back to 'committed in Azure'."""
        task = job.current_task()
        if task is not None and task.data_sync and task.state in ("Cancelled", "Failed"):
            # disks are inconsistent until a synchronisation completes (H10)
            self.machine.stop_onprem(at, new_state="corrupt")
            for disk in self.machine.disks:
                disk.onprem_synced_mb = 0.0
        if stopped_here and self.machine.azure_state == "stopped":
            invariants.start_azure(self.world, self.machine, at)
        self.state = self.committed_state

    # --- forward failover (PrimaryToRecovery) -------------------------------------------------
    def forward_operation(self, planned: bool, shutdown: bool) -> Operation:
        """Failover to Azure (after a re-protect, or the seeded disasters)."""
        machine = self.machine
        rates = self.world.rates

        def stop_onprem(ctx: TaskContext) -> None:
            machine.stop_onprem(ctx.at)

        def start_azure(ctx: TaskContext) -> None:
            # a new epoch: both copies hold the same data from here on
            for disk in machine.disks:
                disk.azure_mb = disk.onprem_synced_mb = disk.onprem_local_mb = disk.replica_mb = 0.0
            invariants.start_azure(self.world, machine, ctx.at)

        name = "PlannedFailover" if planned else "UnplannedFailover"
        tasks = [
            Task(
                "VmPfoPrerequisitesCheck" if planned else "VmUfoPrerequisitesCheck",
                "Prerequisites check for failover",
                rates.preflight_s,
            )
        ]
        if shutdown:
            tasks.append(
                Task(
                    "ShutdownVmOnPrimary",
                    "Shut down the virtual machine",
                    rates.shutdown_s,
                    on_end=stop_onprem,
                )
            )
        tasks += [
            Task(
                "VmPrepareForFailover",  # R52: taskId PrepareForFailoverTask
                "Prepare for failover",
                lambda ctx: rates.transfer_seconds(machine.pending_to_azure_mb(ctx.at)),
                data_sync=True,
            ),
            Task("VmFailover", "Fail over", rates.failover_s),
            Task(
                "StartVmOnSecondary",
                "Start the replica virtual machine",
                rates.start_vm_s,
                on_end=start_azure,
            ),
        ]

        def succeeded(job: Job, at: datetime) -> None:
            self.last_failover_time = at
            self.state = PLANNED_UNCOMMITTED if planned else UNPLANNED_UNCOMMITTED
            self.committed_state = PLANNED_COMMITTED if planned else UNPLANNED_COMMITTED

        return steps.reverting_operation(
            self,
            name,
            "Planned failover" if planned else "Failover",
            tasks,
            succeeded,
            running=(f"{name}Initiated", "Failover in progress"),
        )

    # --- commit -------------------------------------------------------------------------------
    def commit_operation(self) -> Operation:
        """Commit a failover (forward) or a failback (deletes the Azure VM and its disks, H7)."""
        after_failback = self.state.active_location == "Primary"

        def succeeded(job: Job, at: datetime) -> None:
            self.state = RESTORE_FINALIZED if after_failback else self.committed_state

        return steps.commit_operation(self, succeeded, after_failback=after_failback)

    # --- cancel failover ----------------------------------------------------------------------
    def cancel_operation(self) -> Operation:
        """Cancel an uncommitted failback: on-prem VM off, the VM goes back to running in Azure."""

        def succeeded(job: Job, at: datetime) -> None:
            self.state = self.committed_state

        return steps.cancel_failback_operation(self, "Cancel failover", succeeded)

    # --- reverse replication ------------------------------------------------------------------
    def reprotect_operation(self) -> Operation:
        """Re-protect on-prem → Azure: only changes made since the Azure VM shut down are sent (H8)."""
        machine = self.machine
        rates = self.world.rates
        provider = self.provider()

        def replicate_seconds(ctx: TaskContext) -> float:
            return rates.transfer_seconds(machine.pending_to_azure_mb(ctx.at))

        def replicate(ctx: TaskContext) -> None:
            ctx.moved(machine.sync_to_azure(ctx.at))

        def check(ctx: TaskContext) -> None:
            if provider is not None and not provider.is_connected(ctx.at):
                raise self.world.provider_lost_error(provider)

        tasks = [
            Task("CreateProtectionTargetTask", "Create protection target", rates.protection_s, on_end=check),
            Task("EnableProtectionTask", "Enable protection", rates.protection_s, provider=provider),
            Task(
                "StartInitialReplicationTask",
                "Start initial replication",
                replicate_seconds,
                on_end=replicate,
                data_sync=True,
                provider=provider,
            ),
        ]

        def succeeded(job: Job, at: datetime) -> None:
            self.state = INITIAL_REPLICATION  # R9: not Protected yet
            self.failback_started = None
            self.protected_since = None
            self._start_initial_replication(at)

        return steps.reverting_operation(
            self,
            "ReprotectReplicationGroup",
            "Reverse replication",
            tasks,
            succeeded,
            running=("UnprotectedStatesBegin", "Reverse replication in progress"),
        )

    def _start_initial_replication(self, at: datetime) -> None:
        """R9/G11 ``ir-job``: an ``IrCompletion`` job, not the item's scenario, ends the initial replication.

        It lasts the VM's disk size over ``rates.initial_replication_mb_s``; then the item is
        ``Protected`` and its RPO starts at that duration, falling to ``rates.rpo_floor_s``.
        """
        rates = self.world.rates
        seconds = max(rates.min_sync_s, self.machine.total_mb / rates.initial_replication_mb_s)

        def protected(job: Job, end: datetime) -> None:
            self.state = PROTECTED
            self.protected_since = end
            self.ir_seconds = seconds

        self.operation = Operation("IrCompletion", "Finalize protection", [], on_success=protected)
        job = Job(
            self.world,
            "IrCompletion",
            "Finalize protection on the recovery virtual machine",
            [Task("IrCompletion", "Finalize protection", seconds, provider=self.provider())],
            self,
            at,
            self.arm_id,
            self.job_details(),
        )
        job.activity_echoed = True
        self.world.jobs[job.name.lower()] = job

    def rpo_seconds(self, at: datetime) -> int | None:
        """``rpoInSeconds``: none before protection; the initial replication's lag, falling to the floor."""
        if self.state is not PROTECTED:
            return None
        floor = self.world.rates.rpo_floor_s
        if self.protected_since is None:
            return int(floor)
        return int(floor + max(0.0, self.ir_seconds - (at - self.protected_since).total_seconds()))

    # --- views --------------------------------------------------------------------------------
    def provider_details(self, at: datetime) -> dict[str, Any]:
        """``HyperVReplicaAzure`` details (``simulator.models.hyperv_views``)."""
        return hyperv_views.provider_details(self, at)
