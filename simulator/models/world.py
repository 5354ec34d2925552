"""The world: one vault with its fabrics, items, jobs and VMs, the clock, faults and invariants."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator import profiles
from simulator.errors import not_found
from simulator.models.base import iso
from simulator.models.fabrics import Container, Fabric, Policy
from simulator.models.jobs import Job, Task, TaskFailed

if TYPE_CHECKING:
    from simulator.clock import Clock
    from simulator.faults import FaultSet
    from simulator.models.fabrics import Provider
    from simulator.models.items import ProtectedItem
    from simulator.models.logs import LogStore
    from simulator.models.machines import Machine
    from simulator.profiles import Profile

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
DEFAULT_RESOURCE_GROUP = "rg-dr"
DEFAULT_VAULT = "vault-dr"
DEFAULT_WORKSPACE = "11111111-2222-3333-4444-555555555555"
DEFAULT_LOCATION = "eastus"


@dataclass
class Rates:
    """How long things take (seconds, MB/s). Durations are deterministic: no jitter.

    Attributes:
        network_mb_s: download/upload throughput between Azure and on-prem.
        checksum_gb_s: GB per second compared when computing checksums (sync before failover).
        preflight_s: a prerequisites check.
        shutdown_s: shutting down a VM.
        failover_s: the failover step itself.
        start_vm_s: starting a VM.
        commit_s: commit (deleting the Azure VM and disks).
        protection_s: each set-up step of re-protect.
        min_sync_s: floor of any data synchronisation task.
        cancel_s: how long a cancelled job reads ``Cancelling`` before ``Cancelled`` (R55).
        initial_replication_mb_s: throughput of the initial replication after a re-protect (R9):
            ``InitialReplicationInProgress`` lasts the VM's disk size divided by this.
        rpo_floor_s: the RPO a replicating item settles at; right after initial replication the
            RPO is the replication's duration and falls by one second per second to this floor.
    """

    network_mb_s: float = 100.0
    checksum_gb_s: float = 2.0
    preflight_s: float = 30.0
    shutdown_s: float = 60.0
    failover_s: float = 60.0
    start_vm_s: float = 90.0
    commit_s: float = 120.0
    protection_s: float = 45.0
    min_sync_s: float = 30.0
    cancel_s: float = 30.0
    initial_replication_mb_s: float = 100.0
    rpo_floor_s: float = 30.0

    def transfer_seconds(self, mb: float) -> float:
        """Seconds to move ``mb`` MB (at least ``min_sync_s``)."""
        return max(self.min_sync_s, mb / self.network_mb_s)


class World:
    """Everything the simulator knows, for one vault.

    Args:
        clock: where simulated time comes from.
        subscription_id: subscription of the vault.
        resource_group: resource group of the vault.
        vault: vault name.
        workspace_id: Log Analytics workspace id.
        page_size: items per page of list responses.
    """

    def __init__(
        self,
        clock: Clock,
        subscription_id: str = DEFAULT_SUBSCRIPTION,
        resource_group: str = DEFAULT_RESOURCE_GROUP,
        vault: str = DEFAULT_VAULT,
        workspace_id: str = DEFAULT_WORKSPACE,
        page_size: int = 50,
    ) -> None:
        from simulator.faults import FaultSet
        from simulator.models.logs import LogStore

        self.lock = threading.RLock()
        self.clock = clock
        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.vault = vault
        self.workspace_id = workspace_id
        self.location = DEFAULT_LOCATION
        self.page_size = page_size
        self.rates = Rates()
        self.fabrics: dict[str, Fabric] = {}
        self.items: dict[str, ProtectedItem] = {}
        self.jobs: dict[str, Job] = {}
        #: LRO ids that are not a job's name (R21, R56, G4): id -> (job, what the operation does)
        self.operations: dict[str, tuple[Job, str]] = {}
        self.policies: dict[str, Policy] = {}
        self.machines: dict[str, Machine] = {}
        #: recovery plans (filled by ``simulator.models.recovery_plans``)
        self.recovery_plans: dict[str, Any] = {}
        #: free room for other models (e.g. VMware appliances)
        self.extras: dict[str, Any] = {}
        self.violations: list[dict[str, Any]] = []
        self.faults: FaultSet = FaultSet()
        self.logs: LogStore = LogStore(self)
        self.scenario = "empty"
        #: the variant of every guess this world follows (``simulator/profiles.py``)
        self.profile: Profile = profiles.RECORDED

    # --- time ---------------------------------------------------------------------------------
    def now(self) -> datetime:
        """Current simulated time."""
        return self.clock.now()

    def tick(self) -> datetime:
        """Bring every job up to now; return now. Call under ``lock``.

        Timed faults need nothing here: a host disconnect is a time on the provider
        (``Provider.disconnect_at``) that connectivity checks read.
        """
        now = self.now()
        seen = -1
        while seen != len(self.jobs):  # a job's end may start another (R9: initial replication)
            seen = len(self.jobs)
            for job in list(self.jobs.values()):
                if job.active:
                    job.advance(now)
        return now

    # --- identity -----------------------------------------------------------------------------
    @property
    def vault_id(self) -> str:
        """ARM id of the vault (capital ``Subscriptions`` as the service answers)."""
        return (
            f"/Subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.RecoveryServices/vaults/{self.vault}"
        )

    # --- registry -----------------------------------------------------------------------------
    def add_fabric(self, name: str, friendly_name: str, kind: str) -> Fabric:
        """Create a fabric."""
        fabric = Fabric(self, name, friendly_name, kind)
        self.fabrics[name.lower()] = fabric
        return fabric

    def add_policy(self, name: str, friendly_name: str, details: dict[str, Any]) -> Policy:
        """Create a replication policy."""
        policy = Policy(self, name, friendly_name, details)
        self.policies[name.lower()] = policy
        return policy

    def add_machine(self, machine: Machine) -> Machine:
        """Register a VM."""
        self.machines[machine.name.lower()] = machine
        return machine

    def add_item(self, item: ProtectedItem) -> ProtectedItem:
        """Register a protected item."""
        self.items[item.name.lower()] = item
        return item

    def fabric(self, name: str) -> Fabric:
        """The fabric ``name`` or 404."""
        fabric = self.fabrics.get(name.lower())
        if fabric is None:
            raise not_found("fabric", name)
        return fabric

    def container(self, fabric: str, name: str) -> Container:
        """The protection container ``name`` of fabric ``fabric`` or 404."""
        container = self.fabric(fabric).containers.get(name.lower())
        if container is None:
            raise not_found("protection container", name)
        return container

    def item(self, fabric: str, container: str, name: str) -> ProtectedItem:
        """The item at fabric/container/name or 404."""
        found = self.container(fabric, container)
        item = self.items.get(name.lower())
        if item is None or item.container is not found:
            raise not_found("replication protected item", name)
        return item

    def item_by_friendly_name(self, friendly_name: str) -> ProtectedItem:
        """The item protecting the VM ``friendly_name`` (control API, tests)."""
        for item in self.items.values():
            if (
                item.friendly_name.lower() == friendly_name.lower()
                or item.name.lower() == friendly_name.lower()
            ):
                return item
        raise not_found("replication protected item", friendly_name)

    def job(self, name: str) -> Job:
        """The job ``name`` or 404."""
        job = self.jobs.get(name.lower())
        if job is None:
            raise not_found("job", name)
        return job

    def provider_by_name(self, name: str) -> Provider:
        """A provider by name or friendly name, in any fabric, or 404."""
        for fabric in self.fabrics.values():
            for provider in fabric.providers.values():
                if name.lower() in (provider.name.lower(), provider.friendly_name.lower()):
                    return provider
        raise not_found("recovery services provider", name)

    def provider_by_id(self, arm_id: str) -> Provider | None:
        """The provider whose ARM id is ``arm_id`` (case-insensitive), or None."""
        for fabric in self.fabrics.values():
            for provider in fabric.providers.values():
                if provider.arm_id.lower() == arm_id.lower():
                    return provider
        return None

    # --- jobs ---------------------------------------------------------------------------------
    def start_job(
        self,
        scenario_name: str,
        friendly_name: str,
        tasks: list[Task],
        target: Any,
        resource_uri: str,
        custom_details: dict[str, Any] | None = None,
        attach: Callable[[Job], None] | None = None,
    ) -> Job:
        """Create a job starting now, let ``attach`` see it, then run it as far as time allows."""
        now = self.now()
        job = Job(self, scenario_name, friendly_name, tasks, target, now, resource_uri, custom_details)
        self.jobs[job.name.lower()] = job
        if attach is not None:
            attach(job)
        job.advance(now)
        return job

    def job_finished(self, job: Job) -> None:
        """Hook: a job reached a terminal state (cancel during sync is an invariant violation)."""
        if job.state == "Cancelled" and job.cancelled_during_sync:
            self.violation(
                "cancel_during_sync",
                job.target.friendly_name,
                f"job {job.name} ({job.friendly_name}) was cancelled while data was being synchronised",
                job.end_time,
            )

    def provider_lost_error(self, provider: Provider | None) -> TaskFailed:
        """The error a task fails with when its on-prem provider stops responding."""
        name = provider.friendly_name if provider else "the on-premises server"
        return TaskFailed(
            "539",
            f"The operation failed because the server '{name}' is not connected to Azure Site Recovery.",
            possible_causes="The Azure Site Recovery Provider on the server is not running, or the server "
            "lost connectivity to Azure.",
            recommended_action="Make sure the server is running and connected, then retry the operation.",
        )

    # --- invariants ---------------------------------------------------------------------------
    def violation(self, kind: str, vm: str, detail: str, at: datetime | None = None) -> None:
        """Record an invariant violation."""
        self.violations.append({"kind": kind, "vm": vm, "detail": detail, "at": iso(at or self.now())})

    # --- views --------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The whole state, for ``GET /_sim/state``."""
        now = self.now()
        return {
            "now": iso(now),
            "scenario": self.scenario,
            "subscriptionId": self.subscription_id,
            "resourceGroup": self.resource_group,
            "vault": self.vault,
            "workspaceId": self.workspace_id,
            "fabrics": [
                {
                    "name": f.name,
                    "friendlyName": f.friendly_name,
                    "kind": f.kind,
                    "providers": [
                        {"name": p.name, "friendlyName": p.friendly_name, "connected": p.is_connected(now)}
                        for p in f.providers.values()
                    ],
                    "containers": [c.name for c in f.containers.values()],
                }
                for f in self.fabrics.values()
            ],
            "items": [i.snapshot(now) for i in self.items.values()],
            "machines": [m.snapshot(now) for m in self.machines.values()],
            "jobs": [j.snapshot(now) for j in self.jobs.values()],
            "recoveryPlans": sorted(self.recovery_plans),
            "violations": list(self.violations),
        }
