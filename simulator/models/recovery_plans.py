"""Recovery plans: groups of protected items failed over (and back) by one job (reference §3.4, §4d).

A plan job is built from the operations its items would run on their own (``Operation``
objects of the item models): the tasks of every item in boot-group order, with the
manual "Complete failover" step of Hyper-V's ForDownTime appearing **once for the plan**
(after phase 1 of every VM, before any VM is shut down) — the simulator's answer to
reference §4d's open question. When the plan job ends, each item gets the outcome of its
own tasks: all done → success; some done → failure/cancel hook; none started → back to
where it was.

Plan re-protect works for Hyper-V plans (R28, scenario ``ReverseReplication``); profile
``plan_reprotect: refused`` (G12) refuses it the way the SDK docstring says. Refused the way the
sources say: planned failover of classic VMware plans (use unplanned), alternate location at plan
level (H2e: the plan input has no host field).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.errors import bad_request, conflict
from simulator.models.base import IDLE_SCENARIO_START, iso
from simulator.models.items import Operation, ProtectedItem
from simulator.models.jobs import Job, Task
from simulator.models.requests import failover_direction, properties

if TYPE_CHECKING:
    from simulator.models.world import World

PLAN_TYPE = "Microsoft.RecoveryServices/vaults/replicationRecoveryPlans"

# item allowed operation -> plan allowed operation
_PLAN_OPERATIONS = {
    "Failback": "PlannedFailover",
    "PlannedFailover": "PlannedFailover",
    "UnplannedFailover": "UnplannedFailover",
    "Commit": "Commit",
    # R26: after a plan failback the plan offers Commit while its items offer FinalizeFailback (R3)
    "FinalizeFailback": "Commit",
    "CancelFailover": "CancelFailover",
    "TestFailover": "TestFailover",
}


@dataclass
class PlanGroup:
    """A plan group: ``Shutdown``, ``Failover`` or ``Boot`` (boot groups hold the items)."""

    group_type: str
    items: list[ProtectedItem] = field(default_factory=list)

    def to_arm(self) -> dict[str, Any]:
        """``RecoveryPlanGroup`` wire shape."""
        return {
            "groupType": self.group_type,
            "replicationProtectedItems": [
                {"id": item.arm_id, "virtualMachineId": item.machine.azure_vm_id or item.name}
                for item in self.items
            ],
            "startGroupActions": [],
            "endGroupActions": [],
        }


class _ItemJobView:
    """The plan job as one item's hooks should see it: ``current_task`` is that item's own task."""

    def __init__(self, job: Job, tasks: list[Task]) -> None:
        self._job = job
        self._tasks = tasks

    def current_task(self) -> Task | None:
        for task in reversed(self._tasks):
            if task.state in ("InProgress", "Suspended", "Failed", "Cancelled"):
                return task
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)


@dataclass
class _Member:
    """One item's part in a plan job."""

    item: ProtectedItem
    operation: Operation
    tasks: list[Task]
    previous_state: Any

    def outcome(self) -> str:
        states = {t.state for t in self.tasks}
        if not self.tasks or states == {"Succeeded"}:
            return "done"
        if states == {"NotStarted"}:
            return "untouched"
        return "partial"


class RecoveryPlan:
    """A recovery plan of the vault.

    Args:
        world: the world.
        name: plan name (ARM name).
        friendly_name: display name.
        boot_groups: items of each boot group, in boot order.
        primary_fabric: the on-premises fabric the items come from.
    """

    target_instance_type = "RecoveryPlan"
    restartable = False

    def __init__(
        self,
        world: World,
        name: str,
        friendly_name: str,
        boot_groups: list[list[ProtectedItem]],
        primary_fabric: Any,
    ) -> None:
        self.world = world
        self.name = name
        self.friendly_name = friendly_name
        self.primary_fabric = primary_fabric
        self.groups = [PlanGroup("Shutdown"), PlanGroup("Failover")] + [
            PlanGroup("Boot", list(g)) for g in boot_groups
        ]
        self.current_job: Job | None = None
        self.members: list[_Member] = []
        self.last_planned_failover_time: datetime | None = None
        self.last_unplanned_failover_time: datetime | None = None
        self.last_scenario_status = "Succeeded"
        for item in self.items():
            item.recovery_plan = name

    # --- identity and views ----------------------------------------------------------------------
    @property
    def arm_id(self) -> str:
        """ARM id of the plan."""
        return f"{self.world.vault_id}/replicationRecoveryPlans/{self.name}"

    @property
    def target_object_id(self) -> str:
        """R32: a plan job's ``targetObjectId`` is the plan's internal GUID, not its name."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, self.arm_id.lower()))

    def items(self) -> list[ProtectedItem]:
        """Items of the plan in boot order."""
        return [item for group in self.groups for item in group.items]

    def busy(self) -> bool:
        """True while the plan's job (or any item's job) runs."""
        if self.current_job is not None and self.current_job.active:
            return True
        return any(item.busy() for item in self.items())

    def replication_providers(self) -> list[str]:
        """Replication providers of the items right now (drives the per-provider input list)."""
        return sorted({str(item.instance_type) for item in self.items()})

    def allowed_operations(self) -> list[str]:
        """Operations every item allows now, in plan vocabulary (plan re-protect is never offered)."""
        if self.busy() or not self.items():
            return []
        common: set[str] | None = None
        for item in self.items():
            ops = {_PLAN_OPERATIONS[o] for o in item.state.allowed_operations if o in _PLAN_OPERATIONS}
            common = ops if common is None else common & ops
        return sorted(common or set())

    def to_arm(self, at: datetime) -> dict[str, Any]:
        """The plan as ASR returns it."""
        job = self.current_job
        running = job is not None and job.active
        # R24/R25: the plan keeps its last scenario (the real job, not the LRO id) after the job
        # ends, with currentScenarioStatus Succeeded/Failed/Cancelled; only a plan that never ran
        # anything shows the idle sentinel.
        scenario = (
            {"scenarioName": job.scenario_name, "jobId": job.arm_id, "startTime": iso(job.start_time)}
            if job is not None
            else {
                "scenarioName": "None",
                "jobId": f"{self.world.vault_id}/replicationJobs/None",
                "startTime": IDLE_SCENARIO_START,
            }
        )
        return {
            "id": self.arm_id,
            "name": self.name,
            "type": PLAN_TYPE,
            "location": None,
            "properties": {
                "friendlyName": self.friendly_name,
                "primaryFabricId": self.primary_fabric.arm_id,
                "primaryFabricFriendlyName": self.primary_fabric.friendly_name,
                "recoveryFabricId": "Microsoft Azure",
                "recoveryFabricFriendlyName": "Microsoft Azure",
                "failoverDeploymentModel": "ResourceManager",
                "replicationProviders": self.replication_providers(),
                "allowedOperations": self.allowed_operations(),
                "lastPlannedFailoverTime": iso(self.last_planned_failover_time),
                "lastUnplannedFailoverTime": iso(self.last_unplanned_failover_time),
                "lastTestFailoverTime": None,
                "currentScenario": scenario,
                "currentScenarioStatus": "InProgress" if running else self.last_scenario_status,
                "currentScenarioStatusDescription": "InProgress"
                if running
                else {"Succeeded": "Completed"}.get(self.last_scenario_status, self.last_scenario_status),
                "groups": [g.to_arm() for g in self.groups],
                "providerSpecificDetails": [],
            },
        }

    def snapshot(self) -> dict[str, Any]:
        """State for tests and ``/_sim/state``."""
        return {
            "name": self.name,
            "items": [i.name for i in self.items()],
            "currentJob": self.current_job.name
            if self.current_job is not None and self.current_job.active
            else None,
        }

    # --- operations ------------------------------------------------------------------------------
    def planned_failover(self, body: dict[str, Any]) -> Job:
        """POST plannedFailover: failback of the whole plan (RecoveryToPrimary) or forward."""
        props = properties(body)
        direction = failover_direction(props)
        inputs = _inputs_by_provider(props)
        self._require_idle()
        operations = [_planned_operation(item, direction, inputs) for item in self.items()]
        return self._run("PlannedFailover", "Planned failover", operations, planned=True)

    def unplanned_failover(self, body: dict[str, Any]) -> Job:
        """POST unplannedFailover: the failback of a classic VMware plan (RecoveryPlanInMageFailoverInput)."""
        props = properties(body)
        failover_direction(props)
        if props.get("sourceSiteOperations") not in ("Required", "NotRequired"):
            raise bad_request(
                "sourceSiteOperations is required for an unplanned failover of a recovery plan "
                "(Required or NotRequired).",
                code="InvalidRequestBody",
            )
        inputs = _inputs_by_provider(props)
        self._require_idle()
        self._check_groups_complete()
        shutdown = props["sourceSiteOperations"] == "Required"
        operations = [_unplanned_operation(item, inputs, shutdown) for item in self.items()]
        return self._run("UnplannedFailover", "Failover", operations, planned=False)

    def failover_commit(self) -> Job:
        """POST failoverCommit: commit every item."""
        self._require_idle()
        operations = [(item, item.commit_operation()) for item in self._items_allowing("Commit")]
        return self._run("CommitFailover", "Commit", operations)

    def failover_cancel(self) -> Job:
        """POST failoverCancel: cancel the (uncommitted) failover of every item."""
        self._require_idle()
        operations = [(item, item.cancel_operation()) for item in self._items_allowing("CancelFailover")]
        return self._run("CancelFailover", "Cancel failover", operations)

    def _items_allowing(self, operation: str) -> list[ProtectedItem]:
        """The plan's items, each checked to allow ``operation`` (409 from the first that does not)."""
        items = self.items()
        for item in items:
            item.require(operation)
        return items

    def reprotect(self) -> Job:
        """POST reProtect (empty body): reverse replication of every Hyper-V item (R28).

        G12 ``refused``: 400, as the SDK docstring says ("for deprecated scenarios and no longer works").
        """
        if self.world.profile.plan_reprotect == "ok":
            self._require_idle()
            items = self._items_allowing("ReverseReplicate")
            for item in items:
                if str(item.instance_type) != "HyperVReplicaAzure":
                    raise bad_request(
                        f"Reprotect of the recovery plan '{self.name}' needs provider inputs for "
                        f"'{item.instance_type}' items: re-protect them one by one.",
                        code="OperationNotSupported",
                    )
            operations = [(item, item.reprotect_operation()) for item in items]  # type: ignore[attr-defined]
            return self._run("ReverseReplication", "Reverse replication", operations)  # R28
        raise bad_request(
            f"Reprotect of the recovery plan '{self.name}' is not supported: the operation is for deprecated "
            "scenarios and no longer works. Re-protect each replication protected item of the plan "
            "(replicationProtectedItems/{name}/reProtect) instead, with the same values for every item of a "
            "replication group.",
            code="RecoveryPlanReprotectNotSupported",
        )

    def operation_result(self, at: datetime) -> tuple[int, dict[str, Any] | None]:
        """``operationresults`` of a finished plan operation: R23/G6, 200 with the plan or 204 empty."""
        if self.world.profile.plan_result == "204":
            return 204, None
        return 200, self.to_arm(at)

    def restart(self, job: Job) -> Job:
        """Plan jobs are not restartable in the simulator: run the plan operation again."""
        raise bad_request(
            "Recovery plan jobs can't be restarted; run the plan operation again.", code="JobNotRestartable"
        )

    # --- plumbing --------------------------------------------------------------------------------
    def _require_idle(self) -> None:
        if self.busy():
            raise conflict(
                f"Another operation is in progress on the recovery plan '{self.name}' or one of its items. "
                "Wait for it to finish and retry.",
                code="ScenarioInProgress",
            )

    def _check_groups_complete(self) -> None:
        """V5: every VM of a replication group in the plan is in the plan and re-protected."""
        names = {item.name for item in self.items()}
        for item in self.items():
            for sibling in getattr(item, "siblings", list)():
                if sibling.name not in names:
                    raise bad_request(
                        f"The virtual machine '{sibling.friendly_name}' of replication group "
                        f"'{getattr(item, 'group', '')}' isn't in the recovery plan '{self.name}'.",
                        code="ReplicationGroupIncomplete",
                    )

    def _run(
        self,
        scenario: str,
        friendly: str,
        operations: list[tuple[ProtectedItem, Operation]],
        planned: bool | None = None,
    ) -> Job:
        rates = self.world.rates
        members = [_Member(item, op, [], item.state) for item, op in operations]
        before: list[Task] = [
            Task(
                "RecoveryPlanPrerequisitesCheck",
                "Prerequisites check for the recovery plan",
                rates.preflight_s,
            )
        ]
        after: list[Task] = []
        manual = False
        for member in members:
            seen_manual = False
            for task in member.operation.tasks:
                if task.manual:
                    seen_manual = manual = True
                    continue
                task.friendly_name = f"{member.item.friendly_name}: {task.friendly_name}"
                member.tasks.append(task)
                (after if seen_manual else before).append(task)
        # without a manual step the item tasks simply run in order
        tasks = (
            before + ([Task("CompleteFailover", "Complete failover", manual=True)] if manual else []) + after
        )
        for member in members:
            if member.operation.running_state is not None:
                state, description = member.operation.running_state
                member.item.set_state(state, description, member.item.state.active_location, [])
            member.item.operation = member.operation
        self.members = members

        def attach(job: Job) -> None:
            self.current_job = job
            for member in members:
                member.item.current_job = job
            if planned is True:
                self.last_planned_failover_time = job.start_time
            elif planned is False:
                self.last_unplanned_failover_time = job.start_time

        return self.world.start_job(
            scenario,
            friendly,
            tasks,
            target=self,
            resource_uri=self.arm_id,
            custom_details=self._job_details(),
            attach=attach,
        )

    def _job_details(self) -> dict[str, Any]:
        # R37: a plan job's details are AsrJobDetails with PascalCase fabric keys
        fabric = self.primary_fabric
        vmm = getattr(fabric, "kind", "") == "VMM"
        return {
            "instanceType": "AsrJobDetails",
            "affectedObjectDetails": {
                "PrimaryVmmId": fabric.name if vmm else "",
                "PrimaryVmmName": fabric.friendly_name if vmm else "",
                "RecoveryVmmId": "21a9403c-6ec1-44f2-b744-b4e50b792387",
                "RecoveryVmmName": "Microsoft Azure",
                "PrimaryFabricProviderId": getattr(fabric, "kind", ""),
                "RecoveryFabricProviderId": "Azure",
            },
        }

    # job hooks -----------------------------------------------------------------------------------
    def job_succeeded(self, job: Job, at: datetime) -> None:
        """Every item's operation succeeded."""
        self.last_scenario_status = "Succeeded"
        for member in self.members:
            member.operation.on_success(_ItemJobView(job, member.tasks), at)  # type: ignore[arg-type]

    def job_failed(self, job: Job, at: datetime) -> None:
        """Items whose tasks all ran succeed; the others fail or go back to where they were."""
        self.last_scenario_status = "Failed"
        self._settle(job, at, "on_failure")

    def job_cancelled(self, job: Job, at: datetime) -> None:
        """Like a failure, with the cancel hooks."""
        self.last_scenario_status = "Cancelled"
        self._settle(job, at, "on_cancel")

    def _settle(self, job: Job, at: datetime, hook: str) -> None:
        for member in self.members:
            view = _ItemJobView(job, member.tasks)
            outcome = member.outcome()
            if outcome == "done":
                member.operation.on_success(view, at)  # type: ignore[arg-type]
            elif outcome == "partial":
                getattr(member.operation, hook)(view, at)
            else:
                member.item.state = member.previous_state


# --- request parsing ------------------------------------------------------------------------------
def _inputs_by_provider(props: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``providerSpecificDetails`` (a list, one entry per provider) by ``instanceType``; H2e enforced."""
    entries = props.get("providerSpecificDetails") or []
    if not isinstance(entries, list):
        raise bad_request(
            "providerSpecificDetails of a recovery plan failover must be a list, one entry per replication "
            "provider.",
            code="InvalidProviderSpecificInput",
        )
    inputs: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("instanceType"):
            raise bad_request(
                "Each provider specific input needs an instanceType.", code="InvalidProviderSpecificInput"
            )
        if entry.get("providerIdForAlternateRecovery"):
            raise _alternate_location_refused()
        inputs[str(entry["instanceType"])] = entry
    return inputs


def _alternate_location_refused() -> Exception:
    return bad_request(
        "Failback to an alternate location is not supported for a recovery plan: the recovery plan input "
        "has no target host. Fail back the virtual machines one by one to use an alternate location (H2e).",
        code="AlternateLocationNotSupportedForRecoveryPlan",
    )


def _planned_operation(
    item: ProtectedItem, direction: str, inputs: dict[str, dict[str, Any]]
) -> tuple[ProtectedItem, Operation]:
    """The operation one item runs in a plan's planned failover."""
    provider = str(item.instance_type)
    if provider == "HyperVReplicaAzure":
        if direction == "RecoveryToPrimary":
            item.require("Failback")
            entry: dict[str, Any] = inputs.get("HyperVReplicaAzureFailback") or {
                "instanceType": "HyperVReplicaAzureFailback",
                "dataSyncOption": "ForSynchronization",
                "recoveryVmCreationOption": "NoAction",
            }
            options = item.parse_failback({"properties": {"providerSpecificDetails": entry}})  # type: ignore[attr-defined]
            if options.alternate_location:
                raise _alternate_location_refused()
            return item, item.failback_operation(options, via_plan=True)  # type: ignore[attr-defined]
        item.require("PlannedFailover")
        return item, item.forward_operation(planned=True, shutdown=True)  # type: ignore[attr-defined]
    if provider == "InMageRcmFailback":
        rcm = inputs.get("InMageRcmFailback")
        if rcm is None:
            raise bad_request(
                "The recovery plan contains modernized VMware items re-protected to on-premises: an "
                "'InMageRcmFailback' provider specific input (recoveryPointType) is required.",
                code="InvalidProviderSpecificInput",
            )
        item.require("PlannedFailover")
        return item, item.failback_operation(str(rcm.get("recoveryPointType") or ""))  # type: ignore[attr-defined]
    raise bad_request(
        f"Planned failover is not supported for recovery plans with the replication provider '{provider}'. "
        "Use an unplanned failover.",
        code="OperationNotSupported",
    )


def _unplanned_operation(
    item: ProtectedItem, inputs: dict[str, dict[str, Any]], shutdown: bool
) -> tuple[ProtectedItem, Operation]:
    """The operation one item runs in a plan's unplanned failover (classic VMware failback)."""
    provider = str(item.instance_type)
    if provider != "InMage":
        raise bad_request(
            f"Unplanned failover of this recovery plan isn't supported for the item '{item.friendly_name}' "
            f"(replication provider '{provider}'): classic VMware items must be re-protected to on-premises "
            "first.",
            code="OperationNotSupported",
        )
    entry = inputs.get("InMage") or {"instanceType": "InMage", "recoveryPointType": "LatestTime"}
    item.require("UnplannedFailover")
    operation = item.failback_operation(  # type: ignore[attr-defined]
        str(entry.get("recoveryPointType") or "LatestTime"), entry.get("recoveryPointId"), shutdown
    )
    return item, operation


def add_plan(
    world: World, name: str, friendly_name: str, boot_groups: list[list[ProtectedItem]], primary_fabric: Any
) -> RecoveryPlan:
    """Create a recovery plan and register it in the world."""
    plan = RecoveryPlan(world, name, friendly_name, boot_groups, primary_fabric)
    world.recovery_plans[name.lower()] = plan
    return plan


def plan_by_name(world: World, name: str) -> RecoveryPlan:
    """The plan ``name`` or 404."""
    from simulator.errors import not_found

    plan = world.recovery_plans.get(name.lower())
    if plan is None:
        raise not_found("recovery plan", name)
    return plan
