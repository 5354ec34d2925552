"""Fabrics, recovery services providers (on-prem hosts / VMM / config servers), containers, policies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from simulator.models.base import iso, new_guid

if TYPE_CHECKING:
    from simulator.models.items import ProtectedItem
    from simulator.models.world import World


@dataclass(eq=False)
class Provider:
    """A recovery services provider: the on-prem agent of a Hyper-V host, a VMM server or a config server.

    Connectivity is a function of simulated time: ``connected`` is the state before
    ``disconnect_at`` (if any); from ``disconnect_at`` on it is disconnected. Heartbeats
    arrive every 30 s while connected.
    """

    world: World
    fabric: Fabric
    name: str
    friendly_name: str
    fabric_type: str
    connected: bool = True
    disconnected_since: datetime | None = None
    disconnect_at: datetime | None = None
    provider_version: str = "5.24.0501.5"
    machine_id: str = field(default_factory=new_guid)
    #: Hyper-V virtual switches on the host (alternate-location failback needs the VM's, H9)
    virtual_switches: list[str] = field(default_factory=lambda: ["vSwitch-Prod"])
    #: what a job acting on the provider (refresh) names as its target type
    target_instance_type: ClassVar[str] = "Server"

    @property
    def arm_id(self) -> str:
        """ARM id of the provider."""
        return f"{self.fabric.arm_id}/replicationRecoveryServicesProviders/{self.name}"

    def is_connected(self, at: datetime) -> bool:
        """Whether the provider is connected at ``at``."""
        if not self.connected:
            return False
        return self.disconnect_at is None or at < self.disconnect_at

    def disconnected_between(self, start: datetime, end: datetime) -> datetime | None:
        """The first moment in ``[start, end]`` the provider is disconnected, or None."""
        if not self.connected:
            return max(start, self.disconnected_since) if self.disconnected_since else start
        if self.disconnect_at is not None and self.disconnect_at <= end:
            return max(start, self.disconnect_at)
        return None

    def last_heartbeat(self, at: datetime) -> datetime:
        """Time of the last heartbeat seen by the vault."""
        if self.is_connected(at):
            return at - timedelta(seconds=at.second % 30, microseconds=at.microsecond)
        if self.disconnect_at is not None and self.connected:
            return self.disconnect_at
        return self.disconnected_since or at - timedelta(days=2)

    def to_arm(self, at: datetime) -> dict[str, Any]:
        """The provider as ASR returns it."""
        connected = self.is_connected(at)
        items = [i for i in self.world.items.values() if getattr(i, "provider_name", None) == self.name]
        return {
            "id": self.arm_id,
            "name": self.name,
            "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/"
            "replicationRecoveryServicesProviders",
            "location": None,
            "properties": {
                "fabricType": self.fabric_type,
                "friendlyName": self.friendly_name,
                "providerVersion": self.provider_version,
                "serverVersion": "5.1.8000.0",
                "providerVersionState": "Latest",
                "providerVersionExpiryDate": "2027-12-31T00:00:00Z",
                "fabricFriendlyName": self.fabric.friendly_name,
                "lastHeartBeat": iso(self.last_heartbeat(at)),
                "connectionStatus": "Connected" if connected else "NotConnected",
                "protectedItemCount": len(items),
                "allowedScenarios": ["Refresh"] if connected else [],
                "healthErrorDetails": []
                if connected
                else [
                    {
                        "errorCode": "60017",
                        "summaryMessage": "The provider is not connected to the vault.",
                        "errorMessage": f"The server '{self.friendly_name}' is not connected to "
                        "Azure Site Recovery.",
                        "possibleCauses": "The Azure Site Recovery Provider service is stopped or the server "
                        "cannot reach Azure.",
                        "recommendedAction": "Make sure the server is running and can reach Azure, "
                        "then refresh "
                        "the server.",
                        "errorLevel": "Error",
                    }
                ],
                "draIdentifier": self.machine_id,
                "machineId": self.machine_id,
                "machineName": self.friendly_name,
                "biosId": self.machine_id.upper(),
            },
        }


@dataclass(eq=False)
class Container:
    """A protection container (Hyper-V site container or VMM cloud)."""

    world: World
    fabric: Fabric
    name: str
    friendly_name: str

    @property
    def arm_id(self) -> str:
        """ARM id of the container."""
        return f"{self.fabric.arm_id}/replicationProtectionContainers/{self.name}"

    def items(self) -> list[ProtectedItem]:
        """Protected items in this container."""
        return [i for i in self.world.items.values() if i.container is self]

    def to_arm(self, at: datetime) -> dict[str, Any]:
        """The container as ASR returns it."""
        return {
            "id": self.arm_id,
            "name": self.name,
            "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers",
            "location": None,
            "properties": {
                "fabricFriendlyName": self.fabric.friendly_name,
                "friendlyName": self.friendly_name,
                "fabricType": self.fabric.kind,
                "protectedItemCount": len(self.items()),
                "pairingStatus": "Paired",
                "role": "Primary",
                "fabricSpecificDetails": {"instanceType": self.fabric.kind},
            },
        }


@dataclass(eq=False)
class Fabric:
    """A replication fabric: a Hyper-V site, a VMM server or a VMware configuration server.

    ``custom_details`` lets other models (VMware) supply their own ``customDetails`` body.
    """

    world: World
    name: str
    friendly_name: str
    kind: str
    providers: dict[str, Provider] = field(default_factory=dict)
    containers: dict[str, Container] = field(default_factory=dict)
    custom_details: Callable[[datetime], dict[str, Any]] | None = None
    internal_identifier: str = field(default_factory=new_guid)
    #: cloud data encryption (VMM, H4): ``{"kekState", "kekCertThumbprint", "kekCertExpiryDate"}``
    encryption: dict[str, Any] | None = None

    @property
    def arm_id(self) -> str:
        """ARM id of the fabric."""
        return f"{self.world.vault_id}/replicationFabrics/{self.name}"

    def add_provider(self, name: str, friendly_name: str, connected: bool = True) -> Provider:
        """Register an on-prem provider (host, VMM server) in this fabric."""
        provider = Provider(self.world, self, name, friendly_name, self.kind, connected=connected)
        if not connected:
            provider.disconnected_since = self.world.now() - timedelta(days=2)
        self.providers[name.lower()] = provider
        return provider

    def add_container(self, name: str, friendly_name: str) -> Container:
        """Create a protection container in this fabric."""
        container = Container(self.world, self, name, friendly_name)
        self.containers[name.lower()] = container
        return container

    def _details(self, at: datetime) -> dict[str, Any]:
        if self.custom_details is not None:
            return self.custom_details(at)
        if self.kind == "HyperVSite":
            return {
                "instanceType": "HyperVSite",
                "hyperVHosts": [
                    {"id": p.machine_id, "name": p.friendly_name, "marsAgentVersion": "2.0.9262.0"}
                    for p in self.providers.values()
                ],
            }
        return {"instanceType": self.kind}

    def health(self, at: datetime) -> str:
        """``Normal`` when every provider is connected, else ``Critical``."""
        return "Normal" if all(p.is_connected(at) for p in self.providers.values()) else "Critical"

    def to_arm(self, at: datetime) -> dict[str, Any]:
        """The fabric as ASR returns it."""
        return {
            "id": self.arm_id,
            "name": self.name,
            "type": "Microsoft.RecoveryServices/vaults/replicationFabrics",
            "location": None,
            "properties": {
                "friendlyName": self.friendly_name,
                "encryptionDetails": self.encryption
                or {"kekState": "None", "kekCertThumbprint": None, "kekCertExpiryDate": None},
                "rolloverEncryptionDetails": {"kekState": "None", "kekCertThumbprint": None},
                "internalIdentifier": self.internal_identifier,
                "bcdrState": "Valid",
                "customDetails": self._details(at),
                "healthErrorDetails": [],
                "health": self.health(at),
            },
        }


@dataclass(eq=False)
class Policy:
    """A replication policy; ``details`` is its ``providerSpecificDetails``."""

    world: World
    name: str
    friendly_name: str
    details: dict[str, Any]

    @property
    def arm_id(self) -> str:
        """ARM id of the policy."""
        return f"{self.world.vault_id}/replicationPolicies/{self.name}"

    def to_arm(self, at: datetime) -> dict[str, Any]:
        """The policy as ASR returns it."""
        return {
            "id": self.arm_id,
            "name": self.name,
            "type": "Microsoft.RecoveryServices/vaults/replicationPolicies",
            "location": None,
            "properties": {"friendlyName": self.friendly_name, "providerSpecificDetails": self.details},
        }
