"""VMware protected items: what classic and modernized items share.

Classic items (``InMageAzureV2`` <-> ``InMage``, configuration server) are in ``vmware_classic``,
modernized ones (``InMageRcm`` <-> ``InMageRcmFailback``, appliance) in ``vmware_modernized``; the
infrastructure they use in ``vmware_infra``, the seed-002 rules in ``vmware_rules``; ``vmware_seed``
plugs the VMware scenarios in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar

from simulator.errors import bad_request
from simulator.models import steps
from simulator.models.base import iso
from simulator.models.items import ItemState, JobHook, Operation, ProtectedItem
from simulator.models.jobs import Duration, Effect, Job, Task, TaskContext
from simulator.models.requests import failover_direction, properties
from simulator.models.vmware_infra import GIB, MasterTarget, ReprotectAgent
from simulator.models.vmware_rules import AGENT_REGISTRATION_DELAY_SECONDS

# Classic: failed over to Azure and committed, waiting for re-protect towards on-premises (§4e step 1).
# R43: the service offers SwitchProtection (not ReverseReplicate) and CompleteMigration here.
CLASSIC_IN_AZURE = ItemState(
    "UnplannedFailoverCommitted",
    "Failover committed",
    "Recovery",
    ["CompleteMigration", "DisableProtection", "SwitchProtection"],
)
# Modernized: failed over to Azure and committed. Only the classic case is recorded (R43); which
# name a committed InMageRcm item offers is a guess, so the seed keeps ReverseReplicate and the
# product accepts either (RECORDED.md, "Reported earlier but not confirmed").
RCM_IN_AZURE = ItemState(
    "UnplannedFailoverCommitted", "Failover committed", "Recovery", ["ReverseReplicate", "DisableProtection"]
)
#: R43: the permissions a re-protect accepts (classic items in Azure offer SwitchProtection).
REPROTECT_PERMISSIONS = ("SwitchProtection", "ReverseReplicate")
#: R44: ``primaryFabricProvider`` of VMware items, by fabric kind.
FABRIC_PROVIDERS = {"VMware": "InMageFabric", "InMageRcm": "InMageRcmFabric"}
# Both: replicating on-premises -> Azure again.
PROTECTED_TO_AZURE = ItemState(
    "Protected", "Protected", "Primary", ["UnplannedFailover", "TestFailover", "DisableProtection"]
)


def provider_input(props: dict[str, Any], expected: str, what: str) -> dict[str, Any]:
    """``providerSpecificDetails`` of a request, which must carry ``instanceType`` ``expected``."""
    details = props.get("providerSpecificDetails")
    if not isinstance(details, dict) or details.get("instanceType") != expected:
        got = details.get("instanceType") if isinstance(details, dict) else None
        raise bad_request(
            f"Invalid provider specific input: {what} needs instanceType '{expected}', got '{got}'.",
            code="InvalidProviderSpecificInput",
        )
    return details


def require_fields(details: dict[str, Any], names: tuple[str, ...], kind: str) -> None:
    """400 ``InvalidProviderSpecificInput`` naming the ``names`` missing from ``details``."""
    missing = [n for n in names if not details.get(n)]
    if missing:
        raise bad_request(
            f"The {kind} input is missing required values: {', '.join(missing)}.",
            code="InvalidProviderSpecificInput",
        )


def _check_direction_if_given(props: dict[str, Any]) -> None:
    """``failoverDirection`` may be omitted and either value is accepted for VMware (reference §8 item 7)."""
    if props.get("failoverDirection") is not None:
        failover_direction(props)


class VmwareItem(ProtectedItem):
    """Common part of classic and modernized VMware items: provider switch, agent clock, job helpers.

    Args:
        args: as for :class:`ProtectedItem`.
        instance_type: the replication provider the item starts with (default: ``to_azure_provider``).
        agent_delay_s: how long the mobility agent takes to register after the VM starts (V4).
        group: replication group (multi-VM consistency group) name, if any.
        kwargs: as for :class:`ProtectedItem`.
    """

    #: R44: the service sends an empty ``protectedItemType`` for VMware items
    protected_item_type = ""
    #: the provider replicating to Azure (the item's provider before re-protect and after the last one)
    to_azure_provider: ClassVar[str]
    #: ``instanceType`` a re-protect towards on-prem needs, and what the 400 calls that request
    reprotect_to_onprem_input: ClassVar[tuple[str, str]]
    #: ``instanceType`` a re-protect back to Azure needs, and what the 400 calls that request
    reprotect_to_azure_input: ClassVar[tuple[str, str]]
    #: ``instanceType`` of a re-protected item and of its failback input, and what the 400 calls that input
    failback_input: ClassVar[tuple[str, str]]
    #: the state a committed failback leaves the item in
    committed_on_prem: ClassVar[ItemState]

    def __init__(
        self,
        *args: Any,
        instance_type: str | None = None,
        agent_delay_s: float = AGENT_REGISTRATION_DELAY_SECONDS,
        group: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance_type = instance_type or self.to_azure_provider
        self.agent_delay_s = agent_delay_s
        self.group = group
        self.protected_since: datetime | None = None
        self.via_plan = False  # set by a recovery plan while it builds operations

    # --- agent registration (V4) -----------------------------------------------------------------
    def runs_in_azure(self) -> bool:
        """Whether the VM the agent runs in is the Azure copy.

        R47: ``activeLocation`` is no guide: an ``InMageRcmFailback`` item replicating back to
        on-premises reads ``Primary`` while its VM runs in Azure. The machine knows.
        """
        return self.machine.azure_state == "running"

    def agent_started(self) -> datetime | None:
        """When the VM the agent runs in started (Azure copy while it runs in Azure, else on-prem)."""
        if self.runs_in_azure():
            return self.machine.azure_since
        return self.machine.onprem_since

    def to_arm(self, at: datetime) -> dict[str, Any]:
        """The item as ASR returns it, with the VMware-specific fields (R44, R47)."""
        out = super().to_arm(at)
        props = out["properties"]
        props["protectedItemType"] = ""  # R44
        props["primaryFabricProvider"] = FABRIC_PROVIDERS.get(self.fabric.kind, self.fabric.kind)  # R44
        if self.instance_type == "InMageRcmFailback":
            # R47: replicating back to on-premises, the recovery fabric is the VMware fabric itself.
            props["recoveryFabricId"] = self.fabric.arm_id
            props["recoveryFabricFriendlyName"] = self.fabric.friendly_name
        return out

    def require_reprotect(self) -> None:
        """R43: a re-protect needs SwitchProtection (classic, in Azure) or ReverseReplicate."""
        offered = self.state.allowed_operations
        self.require(next((p for p in REPROTECT_PERMISSIONS if p in offered), "SwitchProtection"))

    def agent_registered(self, at: datetime) -> bool:
        """Whether the mobility agent has registered with the CS / appliance at ``at``."""
        started = self.agent_started()
        return started is not None and (at - started).total_seconds() >= self.agent_delay_s

    def agent_heartbeat(self, at: datetime) -> str | None:
        """Last heartbeat of the mobility agent (old until it registers)."""
        started = self.agent_started()
        if started is not None and self.agent_registered(at):
            return iso(at - timedelta(seconds=at.second % 60, microseconds=at.microsecond))
        return iso(self.last_failover_time - timedelta(minutes=5)) if self.last_failover_time else None

    # --- helpers -------------------------------------------------------------------------------
    def siblings(self) -> list[VmwareItem]:
        """Other items of the same replication group."""
        if not self.group:
            return []
        return [
            i
            for i in self.world.items.values()
            if isinstance(i, VmwareItem) and i is not self and i.group == self.group
        ]

    def _check_group_via_plan(self, what: str) -> None:
        """V5: a failover of a replication group member only runs through its recovery plan."""
        if self.group and not self.via_plan:
            raise bad_request(
                f"The virtual machine '{self.friendly_name}' belongs to the replication group "
                f"'{self.group}'. {what} of a replication group is supported only through its recovery "
                "plan, for all its virtual machines together.",
                code="ReplicationGroupOperationOnlyThroughRecoveryPlan",
            )

    def _disks_arm(self, *, rcm: bool = False) -> list[dict[str, Any]]:
        out = []
        for lun, disk in enumerate(self.machine.disks):
            entry: dict[str, Any] = {
                "diskId": f"{self.name}-disk-{lun}",
                "diskName": disk.name,
                "capacityInBytes" if rcm else "diskCapacityInBytes": disk.size_gb * GIB,
            }
            if rcm:
                entry["isOSDisk"] = "true" if lun == 0 else "false"
            else:
                entry["protectionStage"] = "Protected"
            out.append(entry)
        return out

    # --- failback -------------------------------------------------------------------------------
    def _failback_request(
        self,
        body: dict[str, Any],
        kind: str,
        refused: str,
        build: Callable[[dict[str, Any], dict[str, Any]], Operation],
    ) -> Job:
        """Check a failback request of a re-protected item and start its job.

        Args:
            body: the request body.
            kind: ``planned`` or ``unplanned``: the operation asked for (what ``restart`` replays).
            refused: the 400's message when the item is not re-protected to on-premises.
            build: the failback operation, from the request's ``properties`` and provider input.
        """
        props = properties(body)
        _check_direction_if_given(props)
        expected, what = self.failback_input
        if self.instance_type != expected:
            raise bad_request(refused, code="OperationNotSupported")
        details = provider_input(props, expected, what)
        self.require("PlannedFailover" if kind == "planned" else "UnplannedFailover")
        self._check_group_via_plan("Failover")
        operation = build(props, details)
        self._remember(kind, body)
        return self.begin(operation)

    # --- commit of the failback -----------------------------------------------------------------
    def commit_operation(self) -> Operation:
        """Commit of the failback: the Azure VM is removed, the on-prem replica's disks are released."""
        holder = self._disk_holder()

        def release() -> None:
            if holder is not None:
                holder.attached.pop(self.name, None)

        def succeeded(job: Job, at: datetime) -> None:
            self.state = self.committed_on_prem

        return steps.commit_operation(self, succeeded, release=release)

    def _disk_holder(self) -> MasterTarget | ReprotectAgent | None:
        """What holds the item's replica disks on-prem (master target / reprotect agent), if known."""
        return None

    # --- re-protect (both directions) -----------------------------------------------------------
    def reprotect(self, body: dict[str, Any]) -> Job:
        """POST reProtect: towards on-prem after the failover, or back to Azure after the failback."""
        props = properties(body)
        _check_direction_if_given(props)
        if self.instance_type == self.to_azure_provider:
            expected, what = self.reprotect_to_onprem_input
            details = provider_input(props, expected, what)
            self.require_reprotect()  # R43: SwitchProtection for a classic item in Azure
            operation = self.reprotect_to_onprem_operation(details)
        else:
            expected, what = self.reprotect_to_azure_input
            details = provider_input(props, expected, what)
            self.require_reprotect()
            operation = self.reprotect_to_azure_operation(details)
        self._remember("reprotect", body)
        return self.begin(operation)

    def reprotect_to_onprem_operation(self, details: dict[str, Any]) -> Operation:
        """Re-protect Azure -> on-prem (subclasses)."""
        raise self._unsupported("reProtect")

    def reprotect_to_azure_operation(self, details: dict[str, Any]) -> Operation:
        """Re-protect on-prem -> Azure after the failback (subclasses)."""
        raise self._unsupported("reProtect")

    def _reprotect_operation(
        self, tasks: list[Task], on_success: JobHook, on_revert: JobHook | None = None
    ) -> Operation:
        """A re-protect job, in either direction."""
        return steps.reverting_operation(
            self,
            "ReprotectReplicationGroup",
            "Reprotect",
            tasks,
            on_success,
            on_revert,
            running=("UnprotectedStatesBegin", "Reprotect in progress"),
        )

    def _reprotect_to_azure(self, checks: Callable[[TaskContext], None], on_success: JobHook) -> Operation:
        """Re-protect back to Azure (changes made on-prem are sent); ``on_success`` sets provider ids."""

        def succeeded(job: Job, at: datetime) -> None:
            self.instance_type = self.to_azure_provider
            self.state = PROTECTED_TO_AZURE
            self.failback_started = None
            on_success(job, at)

        machine = self.machine
        rates = self.world.rates

        def replicate(ctx: TaskContext) -> None:
            ctx.moved(machine.sync_to_azure(ctx.at))

        tasks = self._reprotect_tasks(
            checks, lambda ctx: rates.transfer_seconds(machine.pending_to_azure_mb(ctx.at)), replicate
        )
        return self._reprotect_operation(tasks, succeeded)

    def _reprotect_tasks(
        self,
        checks: Effect,
        replication: Duration,
        replicated: Effect,
        *,
        power_off_onprem: Effect | None = None,
        prepare: Effect | None = None,
        provider: Any = None,
    ) -> list[Task]:
        """The tasks of a re-protect job, in either direction.

        Args:
            checks: prerequisites, at the end of the first task.
            replication: how long the initial replication takes.
            replicated: the initial replication's effect (data moved).
            power_off_onprem: towards on-prem only: readies the on-prem VM as its protection target
                is created (None: towards Azure).
            prepare: classic towards on-prem: prepares the master target and datastore (own task).
            provider: the on-prem provider the tasks after the checks need connected.
        """
        rates = self.world.rates
        tasks = [
            Task(
                "ReprotectPrerequisitesCheck",
                "Prerequisites check for reprotect",
                rates.preflight_s,
                on_end=checks,
            )
        ]
        if prepare is not None:
            tasks.append(
                Task(
                    "PrepareMasterTargetTask",
                    "Prepare the master target and datastore",
                    rates.protection_s,
                    on_end=prepare,
                    provider=provider,
                )
            )
        return [
            *tasks,
            Task(
                "CreateProtectionTargetTask",
                "Create protection target"
                if power_off_onprem is None
                else "Create protection target on-premises",
                rates.protection_s,
                on_start=power_off_onprem,
                provider=provider,
            ),
            Task("EnableProtectionTask", "Enable protection", rates.protection_s, provider=provider),
            Task(
                "StartInitialReplicationTask",
                "Start initial replication",
                replication,
                on_end=replicated,
                data_sync=True,
                provider=provider,
            ),
        ]
