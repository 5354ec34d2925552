"""Replication protected items: the state machine every replication provider shares.

A provider model (Hyper-V here; VMware in ``vmware.py``) subclasses ``ProtectedItem``
and implements the operations it supports by returning an ``Operation`` (tasks plus
what happens to the item when the job succeeds, fails or is cancelled). ``begin``
turns an operation into a job on this item; a recovery plan can instead put the
operation's tasks into its own job and call the callbacks itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.errors import ArmError, bad_request, conflict
from simulator.models.base import IDLE_SCENARIO_START, RPI_TYPE, iso

if TYPE_CHECKING:
    from simulator.models.fabrics import Container, Policy
    from simulator.models.jobs import Job, Task
    from simulator.models.machines import Machine
    from simulator.models.world import World

JobHook = Callable[["Job", datetime], None]


def _noop(job: Job, at: datetime) -> None:
    return None


@dataclass
class Operation:
    """An operation about to run on an item: its job's scenario, tasks and outcome hooks."""

    scenario_name: str
    friendly_name: str
    tasks: list[Task]
    on_success: JobHook = _noop
    on_failure: JobHook = _noop
    on_cancel: JobHook = _noop
    custom_details: dict[str, Any] | None = None
    # the state the item shows while the job runs
    running_state: tuple[str, str] | None = None


@dataclass
class ItemState:
    """What ``protectionState``/``activeLocation``/``allowedOperations`` say at one moment."""

    protection_state: str
    description: str
    active_location: str
    allowed_operations: list[str] = field(default_factory=list)


class ProtectedItem:
    """Base class of a replication protected item.

    Args:
        world: the world.
        container: its protection container.
        name: ASR item name (a GUID-like string).
        machine: the VM it protects.
        policy: its replication policy.
        provider_name: name of the on-prem provider (host / VMM / config server) it depends on.
        state: its initial state.
    """

    #: ``providerSpecificDetails.instanceType``
    instance_type = "Unknown"
    protected_item_type = "VirtualMachine"
    target_instance_type = "ProtectionEntity"
    restartable = True

    def __init__(
        self,
        world: World,
        container: Container,
        name: str,
        machine: Machine,
        policy: Policy,
        provider_name: str,
        state: ItemState,
    ) -> None:
        self.world = world
        self.container = container
        self.name = name
        self.machine = machine
        self.policy = policy
        self.provider_name = provider_name
        self.state = state
        self.current_job: Job | None = None
        self.operation: Operation | None = None
        self.last_failover_time: datetime | None = None
        self.recovery_plan: str | None = None
        self.health_errors: list[dict[str, Any]] = []
        #: when the running failback started (commit checks the on-prem VM ran since then)
        self.failback_started: datetime | None = None
        # the last operation asked for and its body: a failed job's restart asks again
        self.last_kind: str | None = None
        self.last_body: dict[str, Any] | None = None
        # the Hyper-V/VMware VM id: stable per item so it survives resets
        self.protectable_item_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"protectable/{name}"))

    # --- identity -----------------------------------------------------------------------------
    @property
    def friendly_name(self) -> str:
        """VM name shown in the portal."""
        return self.machine.name

    @property
    def arm_id(self) -> str:
        """ARM id of the item."""
        return f"{self.container.arm_id}/replicationProtectedItems/{self.name}"

    @property
    def target_object_id(self) -> str:
        """What a job on this item names as ``targetObjectId`` (providers with a VM id override it)."""
        return self.name

    @property
    def fabric(self) -> Any:
        """Primary fabric."""
        return self.container.fabric

    def provider(self) -> Any:
        """The on-prem provider this item depends on."""
        return self.fabric.providers.get(self.provider_name.lower())

    # --- state --------------------------------------------------------------------------------
    def set_state(self, state: str, description: str, active: str, allowed: list[str]) -> None:
        """Move the item to a new protection state."""
        self.state = ItemState(state, description, active, list(allowed))

    def busy(self) -> bool:
        """True while a job runs on this item."""
        return self.current_job is not None and self.current_job.active

    def require(self, operation: str) -> None:
        """Raise 409 unless ``operation`` may run now (not busy, listed in allowedOperations)."""
        if self.busy():
            assert self.current_job is not None
            raise conflict(
                f"Another operation '{self.current_job.friendly_name}' (job {self.current_job.name}) is in "
                f"progress on the protected item '{self.friendly_name}'. Wait for it to finish and retry.",
                code="ScenarioInProgress",
            )
        allowed = self.state.allowed_operations
        # R5: failoverCommit is accepted from FinalizeRestorePending, which offers FinalizeFailback
        commit_via_finalize = operation == "Commit" and "FinalizeFailback" in allowed
        if operation not in allowed and not commit_via_finalize:
            raise conflict(
                f"The operation '{operation}' is not allowed on the protected item '{self.friendly_name}' in "
                f"protection state '{self.state.protection_state}'. Allowed operations: "
                f"{', '.join(self.state.allowed_operations) or 'none'}.",
            )

    def begin(self, operation: Operation) -> Job:
        """Start ``operation`` as a job on this item and return the job."""
        self.operation = operation
        if operation.running_state is not None:
            state, description = operation.running_state
            self.set_state(state, description, self.state.active_location, [])
        job = self.world.start_job(
            operation.scenario_name,
            operation.friendly_name,
            operation.tasks,
            target=self,
            resource_uri=self.arm_id,
            custom_details=operation.custom_details or self.job_details(),
            attach=self.attach_job,
        )
        return job

    def attach_job(self, job: Job) -> None:
        """Remember ``job`` as the item's current scenario (before it makes any progress)."""
        self.current_job = job

    def job_details(self) -> dict[str, Any]:
        """``customDetails`` of a failover-type job on this item."""
        return {
            "instanceType": "FailoverJobDetails",
            "protectedItemDetails": [
                {
                    "name": self.name,
                    "friendlyName": self.friendly_name,
                    "testVmName": None,
                    "testVmFriendlyName": None,
                    "networkConnectionStatus": None,
                    "networkFriendlyName": None,
                    "subnet": None,
                    "recoveryPointId": None,
                    "recoveryPointTime": None,
                }
            ],
            # R37/R57: PascalCase keys; PrimaryVmId is the job's targetObjectId
            "affectedObjectDetails": {
                "PrimaryVmId": self.target_object_id,
                "PrimaryVmName": self.friendly_name,
                "RecoveryVmName": self.friendly_name,
                "PrimaryCloudName": self.container.friendly_name,
                "RecoveryVmmName": "Microsoft Azure",
                "ProtectionProfileId": self.policy.name,
                "PrimaryFabricProviderId": self.fabric.kind,
                "RecoveryFabricProviderId": "Azure",
            },
        }

    # job hooks (called by the engine with the job's target) ------------------------------------
    def job_succeeded(self, job: Job, at: datetime) -> None:
        """The item's job succeeded."""
        if self.operation is not None:
            self.operation.on_success(job, at)

    def job_failed(self, job: Job, at: datetime) -> None:
        """The item's job failed."""
        if self.operation is not None:
            self.operation.on_failure(job, at)

    def job_cancelled(self, job: Job, at: datetime) -> None:
        """The item's job was cancelled."""
        if self.operation is not None:
            self.operation.on_cancel(job, at)

    # --- operations (subclasses override what their provider supports) --------------------------
    def planned_failover(self, body: dict[str, Any]) -> Job:
        """POST plannedFailover."""
        raise self._unsupported("plannedFailover")

    def unplanned_failover(self, body: dict[str, Any]) -> Job:
        """POST unplannedFailover."""
        raise self._unsupported("unplannedFailover")

    def failover_commit(self) -> Job:
        """POST failoverCommit: runs ``commit_operation`` when ``Commit`` is allowed."""
        # built before the state check: a provider without commit answers 400, not 409
        operation = self.commit_operation()
        self.require("Commit")
        self._remember("commit", None)
        return self.begin(operation)

    def failover_cancel(self) -> Job:
        """POST failoverCancel: runs ``cancel_operation`` when ``CancelFailover`` is allowed."""
        # built before the state check: a provider without cancel answers 400, not 409
        operation = self.cancel_operation()
        self.require("CancelFailover")
        self._remember("cancel", None)
        return self.begin(operation)

    def reprotect(self, body: dict[str, Any]) -> Job:
        """POST reProtect."""
        raise self._unsupported("reProtect")

    def commit_operation(self) -> Operation:
        """The commit job (subclasses whose provider supports commit)."""
        raise self._unsupported("failoverCommit")

    def cancel_operation(self) -> Operation:
        """The cancel-failover job (subclasses whose provider supports it)."""
        raise self._unsupported("failoverCancel")

    def restart(self, job: Job) -> Job:
        """Re-run the last operation asked for (POST replicationJobs/{id}/restart of a failed job)."""
        kinds: dict[str, Callable[[], Job]] = {
            "planned": lambda: self.planned_failover(self.last_body or {}),
            "unplanned": lambda: self.unplanned_failover(self.last_body or {}),
            "commit": self.failover_commit,
            "cancel": self.failover_cancel,
            "reprotect": lambda: self.reprotect(self.last_body or {}),
        }
        if self.last_kind not in kinds:
            raise bad_request("The job cannot be restarted.", code="JobNotRestartable")
        return kinds[self.last_kind]()

    def _remember(self, kind: str, body: dict[str, Any] | None) -> None:
        """Record the operation asked for (``kind`` as in ``restart``), before its job starts."""
        self.last_kind = kind
        self.last_body = body

    def _unsupported(self, what: str) -> ArmError:
        return bad_request(
            f"The operation '{what}' is not supported for replication provider '{self.instance_type}'.",
            code="OperationNotSupported",
        )

    # --- views --------------------------------------------------------------------------------
    def current_scenario(self) -> dict[str, Any]:
        """``currentScenario``: the running job, or ASR's idle sentinel."""
        if self.busy():
            assert self.current_job is not None
            return {
                "scenarioName": self.current_job.scenario_name,
                "jobId": self.current_job.arm_id,
                "startTime": iso(self.current_job.start_time),
            }
        return {
            "scenarioName": "None",
            "jobId": f"{self.world.vault_id}/replicationJobs/None",
            "startTime": IDLE_SCENARIO_START,
        }

    def provider_details(self, at: datetime) -> dict[str, Any]:
        """``providerSpecificDetails`` (subclasses)."""
        return {"instanceType": self.instance_type}

    def health(self, at: datetime) -> str:
        """``replicationHealth``."""
        provider = self.provider()
        if provider is not None and not provider.is_connected(at):
            return "Critical"
        return "Normal"

    def to_arm(self, at: datetime) -> dict[str, Any]:
        """The item as ASR returns it."""
        fabric = self.fabric
        return {
            "id": self.arm_id,
            "name": self.name,
            "type": RPI_TYPE,
            "location": None,
            "properties": {
                "friendlyName": self.friendly_name,
                "protectedItemType": self.protected_item_type,
                "protectableItemId": f"{self.container.arm_id}/replicationProtectableItems/"
                f"{self.protectable_item_id}",
                "recoveryServicesProviderId": provider.arm_id if (provider := self.provider()) else None,
                "primaryFabricFriendlyName": fabric.friendly_name,
                # R42: a Hyper-V site's items name their fabric provider SingleHostHyperVFabric
                "primaryFabricProvider": {"VMM": "VmmFabric", "HyperVSite": "SingleHostHyperVFabric"}.get(
                    fabric.kind, fabric.kind
                ),
                "recoveryFabricFriendlyName": "Microsoft Azure",
                "recoveryFabricId": "Microsoft Azure",
                "primaryProtectionContainerFriendlyName": self.container.friendly_name,
                "recoveryProtectionContainerFriendlyName": "Microsoft Azure",
                "protectionState": self.state.protection_state,
                "protectionStateDescription": self.state.description,
                "activeLocation": self.state.active_location,
                "testFailoverState": "None",
                "testFailoverStateDescription": "None",
                "switchProviderState": "None",
                "switchProviderStateDescription": "None",
                "allowedOperations": [] if self.busy() else list(self.state.allowed_operations),
                "replicationHealth": self.health(at),
                "failoverHealth": self.health(at),
                "healthErrors": self.health_errors,
                "policyId": self.policy.arm_id,
                "policyFriendlyName": self.policy.friendly_name,
                "lastSuccessfulFailoverTime": iso(self.last_failover_time),
                "lastSuccessfulTestFailoverTime": None,
                "currentScenario": self.current_scenario(),
                "failoverRecoveryPointId": None,
                "providerSpecificDetails": self.provider_details(at),
                "recoveryContainerId": "Microsoft Azure",
                "eventCorrelationId": self.protectable_item_id,
            },
        }

    def snapshot(self, at: datetime) -> dict[str, Any]:
        """State for ``GET /_sim/state``."""
        return {
            "name": self.name,
            "friendlyName": self.friendly_name,
            "fabric": self.fabric.name,
            "container": self.container.name,
            "provider": self.instance_type,
            "protectionState": self.state.protection_state,
            "activeLocation": self.state.active_location,
            "allowedOperations": list(self.state.allowed_operations),
            "currentJob": self.current_job.name if self.busy() and self.current_job else None,
            "recoveryPlan": self.recovery_plan,
        }
