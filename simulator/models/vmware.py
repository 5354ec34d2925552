"""VMware infrastructure seen by ASR: configuration server, process servers, master targets, appliances.

Infrastructure (configuration server, process servers, master targets, modernized appliance) with the
ARM shapes of the fabric ``customDetails``; the seed-002 rules (V3, V4) as functions returning an
ASR-style error; and the classic and modernized failback sequences as task lists for the job engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from simulator.errors import bad_request
from simulator.models import invariants, steps
from simulator.models.base import iso
from simulator.models.items import ItemState, JobHook, Operation, ProtectedItem
from simulator.models.jobs import Duration, Effect, Job, Task, TaskContext, TaskFailed
from simulator.models.requests import failover_direction, properties

GIB = 1024**3

# Datastore types ASR can fail back to (seed 002: VMFS or vSAN only, never NFS).
SUPPORTED_DATASTORE_TYPES = ("VMFS", "vSAN")
# Disks one master target (or one modernized reprotect appliance) can hold (seed 002, V3).
MAX_DISKS_PER_MASTER_TARGET = 60


@dataclass
class Datastore:
    """A datastore mounted on the ESXi host of a master target."""

    symbolic_name: str
    type: str  # VMFS | vSAN | NFS
    capacity_gb: int = 2048
    free_gb: int = 1024
    uuid: str = ""

    def to_arm(self) -> dict[str, Any]:
        """``DataStore`` wire shape."""
        return {
            "symbolicName": self.symbolic_name,
            "uuid": self.uuid or f"datastore-{self.symbolic_name}",
            "capacity": str(self.capacity_gb * GIB),
            "freeSpace": str(self.free_gb * GIB),
            "type": self.type,
        }


@dataclass
class RetentionVolume:
    """A retention volume of a master target (``R:`` on Windows, ``/mnt/retention`` on Linux)."""

    volume_name: str
    capacity_gb: int = 512
    free_gb: int = 400

    def to_arm(self) -> dict[str, Any]:
        """``RetentionVolume`` wire shape."""
        return {
            "volumeName": self.volume_name,
            "capacityInBytes": self.capacity_gb * GIB,
            "freeSpaceInBytes": self.free_gb * GIB,
            "thresholdPercentage": 80,
        }


@dataclass
class MasterTarget:
    """An on-premises master target server (receives failback data, V1)."""

    id: str
    name: str
    os_type: str  # Windows | Linux
    ip_address: str
    base_disk_count: int = 1  # the MT's own disks attached before any replica disk
    retention_volumes: list[RetentionVolume] = field(default_factory=list)
    datastores: list[Datastore] = field(default_factory=list)
    # Replica disks attached to the MT by re-protects that finished (item name -> disk count).
    attached: dict[str, int] = field(default_factory=dict)

    @property
    def disk_count(self) -> int:
        """Disks currently attached (what ASR reports as ``diskCount``)."""
        return self.base_disk_count + sum(self.attached.values())

    def datastore(self, name: str) -> Datastore | None:
        """The datastore with this symbolic name, if the MT's ESXi host has it."""
        return next((d for d in self.datastores if d.symbolic_name == name), None)

    def to_arm(self, now: datetime, *, datastores_visible: bool) -> dict[str, Any]:
        """``MasterTargetServer`` wire shape; datastores hidden when vCenter was discovered read-only."""
        return {
            "id": self.id,
            "name": self.name,
            "ipAddress": self.ip_address,
            "osType": self.os_type,
            "osVersion": "Windows Server 2019" if self.os_type == "Windows" else "Ubuntu 20.04",
            "agentVersion": "9.60.0.0",
            "versionStatus": "Supported",
            "lastHeartbeat": iso(now),
            "diskCount": self.disk_count,
            "retentionVolumes": [v.to_arm() for v in self.retention_volumes],
            "dataStores": [d.to_arm() for d in self.datastores] if datastores_visible else [],
            "validationErrors": [],
            "healthErrors": [],
        }


@dataclass
class ProcessServer:
    """A process server (in Azure for failback over S2S VPN, or on-premises)."""

    id: str
    name: str
    ip_address: str
    in_azure: bool

    def to_arm(self, now: datetime) -> dict[str, Any]:
        """``ProcessServer`` wire shape (classic)."""
        return {
            "id": self.id,
            "friendlyName": self.name,
            "ipAddress": self.ip_address,
            "osType": "Windows",
            "hostId": self.id,
            "lastHeartbeat": iso(now),
            "health": "Normal",
            "psServiceStatus": "Running",
            "versionStatus": "Supported",
            "marsCommunicationStatus": "Connected",
            "marsRegistrationStatus": "Registered",
            "systemLoadStatus": "Healthy",
            "spaceUsageStatus": "Healthy",
            "mobilityServiceUpdates": [],
            "healthErrors": [],
        }


@dataclass
class RunAsAccount:
    """A vCenter/ESXi account stored on the configuration server."""

    account_id: str
    account_name: str
    read_only: bool = False  # not visible through ARM; read-only accounts cannot list datastores

    def to_arm(self) -> dict[str, Any]:
        """``RunAsAccount`` wire shape."""
        return {"accountId": self.account_id, "accountName": self.account_name}


@dataclass
class ConfigServer:
    """Classic VMware fabric: the on-premises configuration server and what hangs off it."""

    fabric_name: str
    friendly_name: str
    host_name: str
    ip_address: str
    process_servers: list[ProcessServer] = field(default_factory=list)
    master_targets: list[MasterTarget] = field(default_factory=list)
    run_as_accounts: list[RunAsAccount] = field(default_factory=list)
    discovery_account_id: str = ""  # account vCenter was discovered with

    def master_target(self, mt_id: str) -> MasterTarget | None:
        """Master target by id (or name)."""
        return next((m for m in self.master_targets if mt_id in (m.id, m.name)), None)

    def process_server(self, ps_id: str) -> ProcessServer | None:
        """Process server by id (or name)."""
        return next((p for p in self.process_servers if ps_id in (p.id, p.name)), None)

    def run_as_account(self, account_id: str) -> RunAsAccount | None:
        """RunAs account by id (or name)."""
        return next((a for a in self.run_as_accounts if account_id in (a.account_id, a.account_name)), None)

    @property
    def discovered_read_only(self) -> bool:
        """True when vCenter was discovered with a read-only account (datastores not visible)."""
        account = self.run_as_account(self.discovery_account_id)
        return bool(account and account.read_only)

    def custom_details(self, now: datetime, connected: bool = True) -> dict[str, Any]:
        """Fabric ``customDetails`` of ``instanceType`` ``VMware``."""
        heartbeat = iso(now) if connected else "2025-12-31T00:00:00Z"
        return {
            "instanceType": "VMware",
            "hostName": self.host_name,
            "ipAddress": self.ip_address,
            "agentVersion": "9.60.0.0",
            "versionStatus": "Supported",
            "lastHeartbeat": heartbeat,
            "csServiceStatus": "Running" if connected else "Stopped",
            "processServerCount": str(len(self.process_servers)),
            "protectedServers": "0",
            "systemLoadStatus": "Healthy",
            "spaceUsageStatus": "Healthy",
            "processServers": [p.to_arm(now) for p in self.process_servers],
            "masterTargetServers": [
                m.to_arm(now, datastores_visible=not self.discovered_read_only) for m in self.master_targets
            ],
            "runAsAccounts": [a.to_arm() for a in self.run_as_accounts],
        }


@dataclass
class ReprotectAgent:
    """Modernized replication appliance acting as reprotect agent (InMageRcm fabric)."""

    id: str
    name: str
    vcenter_id: str
    accessible_datastores: list[str]
    # Disks held by failback replications through this agent (item name -> disk count).
    attached: dict[str, int] = field(default_factory=dict)

    def to_arm(self, now: datetime) -> dict[str, Any]:
        """``ReprotectAgentDetails`` wire shape."""
        return {
            "id": self.id,
            "name": self.name,
            "biosId": f"bios-{self.id}",
            "fabricObjectId": f"fabric-object-{self.id}",
            "fqdn": f"{self.name}.corp.contoso.com",
            "version": "9.60.0.0",
            "lastHeartbeatUtc": iso(now),
            "health": "Normal",
            "healthErrors": [],
            "protectedItemCount": len(self.attached),
            "accessibleDatastores": list(self.accessible_datastores),
            "vcenterId": self.vcenter_id,
            "lastDiscoveryInUtc": iso(now),
        }


@dataclass
class Appliance:
    """Modernized VMware fabric (``InMageRcm``): replication appliance(s)."""

    fabric_name: str
    friendly_name: str
    process_servers: list[ProcessServer] = field(default_factory=list)
    reprotect_agents: list[ReprotectAgent] = field(default_factory=list)
    run_as_accounts: list[RunAsAccount] = field(default_factory=list)

    def reprotect_agent(self, agent_id: str) -> ReprotectAgent | None:
        """Reprotect agent by id (or name)."""
        return next((a for a in self.reprotect_agents if agent_id in (a.id, a.name)), None)

    def process_server(self, ps_id: str) -> ProcessServer | None:
        """Process server by id (or name)."""
        return next((p for p in self.process_servers if ps_id in (p.id, p.name)), None)

    def custom_details(self, now: datetime) -> dict[str, Any]:
        """Fabric ``customDetails`` of ``instanceType`` ``InMageRcm``."""
        return {
            "instanceType": "InMageRcm",
            "vmwareSiteId": f"Microsoft.OffAzure/VMwareSites/{self.fabric_name}",
            "serviceEndpoint": "https://rcm.local",
            "processServers": [
                {
                    "id": p.id,
                    "name": p.name,
                    "fqdn": f"{p.name}.corp.contoso.com",
                    "ipAddresses": [p.ip_address],
                    "version": "9.60.0.0",
                    "lastHeartbeatUtc": iso(now),
                    "health": "Normal",
                    "healthErrors": [],
                    "protectedItemCount": 0,
                }
                for p in self.process_servers
            ],
            "rcmProxies": [],
            "pushInstallers": [],
            "replicationAgents": [],
            "reprotectAgents": [a.to_arm(now) for a in self.reprotect_agents],
            "marsAgents": [],
            "dras": [],
            "agentDetails": [],
        }


# --------------------------------------------------------------------------------------------------
# Seed-002 rules. Each returns None when satisfied, else the ASR-style error the job fails with.
# Codes are the simulator's choice: the sources give none (reference §8 item 10, see README).
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# Protected items: classic (InMageAzureV2 <-> InMage) and modernized (InMageRcm <-> InMageRcmFailback).
# --------------------------------------------------------------------------------------------------

# Classic: failed over to Azure and committed, waiting for re-protect towards on-premises (§4e step 1).
CLASSIC_IN_AZURE = ItemState(
    "UnplannedFailoverCommitted", "Failover committed", "Recovery", ["ReverseReplicate", "DisableProtection"]
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
# Both: replicating on-premises -> Azure again.
PROTECTED_TO_AZURE = ItemState(
    "Protected", "Protected", "Primary", ["UnplannedFailover", "TestFailover", "DisableProtection"]
)
# Modernized: re-protected Azure -> on-premises (provider InMageRcmFailback); failback is a planned failover.
RCM_REPROTECTED = ItemState("Protected", "Protected", "Recovery", ["PlannedFailover", "DisableProtection"])
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

INMAGE_POINT_TYPES = ("LatestTime", "LatestTag", "Custom")
RCM_POINT_TYPES = ("ApplicationConsistent", "CrashConsistent")


def _details(props: dict[str, Any], expected: str, what: str) -> dict[str, Any]:
    """``providerSpecificDetails`` of a request, which must carry ``instanceType`` ``expected``."""
    details = props.get("providerSpecificDetails")
    if not isinstance(details, dict) or details.get("instanceType") != expected:
        got = details.get("instanceType") if isinstance(details, dict) else None
        raise bad_request(
            f"Invalid provider specific input: {what} needs instanceType '{expected}', got '{got}'.",
            code="InvalidProviderSpecificInput",
        )
    return details


def _require_fields(details: dict[str, Any], names: tuple[str, ...], kind: str) -> None:
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


def _fail(error: AsrError | None) -> None:
    if error is not None:
        raise TaskFailed(error.code, error.message, error.possible_causes, error.recommended_action)


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


class VmwareItem(ProtectedItem):
    """Common part of classic and modernized VMware items: provider switch, agent clock, job helpers.

    Args:
        args: as for :class:`ProtectedItem`.
        instance_type: the replication provider the item starts with (default: ``to_azure_provider``).
        agent_delay_s: how long the mobility agent takes to register after the VM starts (V4).
        group: replication group (multi-VM consistency group) name, if any.
        kwargs: as for :class:`ProtectedItem`.
    """

    protected_item_type = "VMwareVirtualMachine"
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
    def agent_started(self) -> datetime | None:
        """When the VM the agent runs in started (Azure copy while active in Azure, else on-prem)."""
        if self.state.active_location == "Recovery":
            return self.machine.azure_since
        return self.machine.onprem_since

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
        details = _details(props, expected, what)
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

        return steps.reverting_operation(
            self,
            "CommitFailover",
            "Commit",
            steps.commit_tasks(self, release=release),
            succeeded,
            running=("CommitInitiated", "Commit in progress"),
        )

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
            details = _details(props, expected, what)
            self.require("ReverseReplicate")
            operation = self.reprotect_to_onprem_operation(details)
        else:
            expected, what = self.reprotect_to_azure_input
            details = _details(props, expected, what)
            self.require("ReverseReplicate")
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
        _require_fields(
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
        _fail(replication_group_mixed_os(self.group, {m.machine.os_type for m in members}))
        for sibling in self.siblings():
            if isinstance(sibling, ClassicVmwareItem) and sibling.master_target_id:
                _fail(replication_group_other_master_target(self.group, mt.id, sibling.master_target_id))

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
            _fail(self._cs_error(ctx.at))
            _fail(agent_not_registered(self.friendly_name, self.agent_registered(ctx.at)))
            _fail(master_target_os_mismatch(self.friendly_name, machine.os_type, mt))
            self._check_group(mt)
            _fail(master_target_full(mt, disks))
            mt.attached[self.name] = disks  # reserved: counts for the next re-protect to this MT

        def prepare(ctx: TaskContext) -> None:
            run_as = cs.run_as_account(str(account)) if account else None
            read_only = cs.discovered_read_only or bool(run_as and run_as.read_only)
            _fail(datastore_unusable(read_only, mt, datastore))

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
        _fail(self._cs_error(at))
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
            _fail(self._cs_error(ctx.at))
            _fail(agent_not_registered(self.friendly_name, self.agent_registered(ctx.at)))

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
            "protectedManagedDisks": [{"diskId": d.name, "diskName": d.name} for d in machine.disks],
            "useManagedDisks": "True",
            "datastores": [],
            "recoveryAzureVMName": machine.name,
            "targetVmId": machine.azure_vm_id or None,
            "azureVMDiskDetails": [],
        }


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
        _require_fields(
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
            _fail(agent_not_registered(self.friendly_name, self.agent_registered(ctx.at)))
            _fail(reprotect_agent_datastore(agent, datastore))
            _fail(appliance_full(agent, disks))
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

        return steps.reverting_operation(
            self,
            "CancelFailover",
            "Cancel failover",
            steps.cancel_failback_tasks(self, "Revert the disks"),
            succeeded,
            running=("CancelFailoverInitiated", "Cancel failover in progress"),
        )

    def _disk_holder(self) -> ReprotectAgent | None:
        """The reprotect agent holding the replica disks (the simulator requires a commit, §8 item 8)."""
        return self.appliance.reprotect_agent(self.reprotect_agent_id or "")

    def reprotect_to_azure_operation(self, details: dict[str, Any]) -> Operation:
        """Re-protect back to Azure with the appliance's process server and the InMageRcm policy."""
        _require_fields(details, ("processServerId", "policyId"), "InMageRcmFailback reprotect")
        if self.appliance.process_server(str(details["processServerId"])) is None:
            raise bad_request(
                f"The process server '{details['processServerId']}' wasn't found in the fabric "
                f"'{self.appliance.friendly_name}'.",
                code="InvalidProviderSpecificInput",
            )

        def checks(ctx: TaskContext) -> None:
            _fail(agent_not_registered(self.friendly_name, self.agent_registered(ctx.at)))

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


# --------------------------------------------------------------------------------------------------
# Scenario hook (called by ``simulator.scenarios.build`` for every scenario).
# --------------------------------------------------------------------------------------------------
def seed_scenario(world: Any, scenario: str) -> None:
    """Add the VMware items and the recovery plans to the world of ``scenario``."""
    from simulator import scenarios_vmware

    scenarios_vmware.seed(world, scenario)


def _register_scenarios() -> None:
    from simulator import scenarios_vmware

    scenarios_vmware.register()


_register_scenarios()
