"""VMware infrastructure seen by ASR: configuration server, process servers, master targets, appliances.

Plain data with the ARM shapes of the fabric ``customDetails`` (classic ``VMware`` and modernized
``InMageRcm``); the rules that check it are in ``vmware_rules``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.models.base import iso

GIB = 1024**3


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
