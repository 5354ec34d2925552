"""Virtual machines: the Azure copy and the on-premises copy, with disks that change over time.

Data is counted in MB written. An Azure VM that runs keeps writing at each disk's
``write_rate_mb_s``; the on-prem copy records how much of Azure's writes it holds
(``onprem_synced_mb``). Counters are computed lazily from the clock, so a jump of a
virtual clock "writes" the data that a running VM would have written meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from simulator.models.base import iso, seconds

AZURE_STATES = ("absent", "running", "stopped", "deleted")
ONPREM_STATES = ("absent", "off", "running", "corrupt")


@dataclass(eq=False)
class Disk:
    """One disk of a VM, seen from both sides.

    Attributes:
        name: disk name (also the Azure managed disk name).
        size_gb: provisioned size.
        managed: True for managed disks, False for storage-account (page blob) disks.
        write_rate_mb_s: how fast the VM writes to it while running (either side).
        azure_mb: Azure-side writes counted up to the machine's last Azure mark.
        onprem_synced_mb: how much of the Azure writes the on-prem disk holds.
        onprem_local_mb: on-prem writes since the last sync from Azure, up to the on-prem mark.
        replica_mb: how much of the on-prem writes the Azure replica holds (after re-protect).
    """

    name: str
    size_gb: int
    managed: bool = True
    write_rate_mb_s: float = 0.02
    azure_mb: float = 0.0
    onprem_synced_mb: float = 0.0
    onprem_local_mb: float = 0.0
    replica_mb: float = 0.0

    @property
    def size_mb(self) -> float:
        """Size in MB."""
        return float(self.size_gb * 1024)


@dataclass(eq=False)
class Machine:
    """A VM that exists on-premises, in Azure, or both.

    Attributes:
        name: VM (and computer) name; also the protected item's friendly name.
        os_type: ``Windows`` or ``Linux``.
        disks: its disks.
        azure_state: one of ``AZURE_STATES``.
        onprem_state: one of ``ONPREM_STATES``.
        onprem_host: name of the on-prem host provider the VM lives on.
        azure_since: when the Azure copy started running (None when not running).
        onprem_since: when the on-prem copy started running (None when not running).
        onprem_runs: on-prem running intervals ``[start, end or None]`` (heartbeats come from them).
        azure_stopped_at: when the Azure copy was last shut down.
    """

    name: str
    os_type: str
    disks: list[Disk]
    azure_state: str = "absent"
    onprem_state: str = "off"
    onprem_host: str = ""
    azure_since: datetime | None = None
    onprem_since: datetime | None = None
    onprem_runs: list[list[datetime | None]] = field(default_factory=list)
    azure_stopped_at: datetime | None = None
    azure_vm_id: str = ""
    ip_address: str = "10.0.0.10"
    #: Hyper-V virtual switch the VM's network adapter connects to
    virtual_switch: str = "vSwitch-Prod"

    # --- counters -----------------------------------------------------------------------------
    def azure_written(self, disk: Disk, at: datetime) -> float:
        """Azure-side MB written to ``disk`` up to ``at``."""
        extra = 0.0
        if self.azure_state == "running" and self.azure_since is not None:
            extra = max(0.0, seconds(self.azure_since, at)) * disk.write_rate_mb_s
        return disk.azure_mb + extra

    def onprem_written(self, disk: Disk, at: datetime) -> float:
        """On-prem MB written to ``disk`` since its last sync from Azure, up to ``at``."""
        extra = 0.0
        if self.onprem_state == "running" and self.onprem_since is not None:
            extra = max(0.0, seconds(self.onprem_since, at)) * disk.write_rate_mb_s
        return disk.onprem_local_mb + extra

    def pending_to_onprem_mb(self, at: datetime) -> float:
        """MB of Azure writes the on-prem copy does not hold yet (capped at each disk's size)."""
        return sum(
            min(disk.size_mb, max(0.0, self.azure_written(disk, at) - disk.onprem_synced_mb))
            for disk in self.disks
        )

    def pending_to_azure_mb(self, at: datetime) -> float:
        """MB of on-prem writes the Azure replica does not hold yet (capped at each disk's size)."""
        return sum(
            min(disk.size_mb, max(0.0, self.onprem_written(disk, at) - disk.replica_mb))
            for disk in self.disks
        )

    @property
    def total_mb(self) -> float:
        """Provisioned size of all disks in MB."""
        return sum(disk.size_mb for disk in self.disks)

    @property
    def total_gb(self) -> int:
        """Provisioned size of all disks in GB."""
        return sum(disk.size_gb for disk in self.disks)

    @property
    def managed_disks(self) -> bool:
        """True when every disk is a managed disk."""
        return all(disk.managed for disk in self.disks)

    # --- transitions --------------------------------------------------------------------------
    def start_azure(self, at: datetime) -> None:
        """Power on the Azure copy."""
        if self.azure_state == "running":
            return
        self.azure_state = "running"
        self.azure_since = at

    def stop_azure(self, at: datetime) -> None:
        """Shut down the Azure copy, freezing its counters."""
        if self.azure_state != "running":
            return
        for disk in self.disks:
            disk.azure_mb = self.azure_written(disk, at)
        self.azure_state = "stopped"
        self.azure_since = None
        self.azure_stopped_at = at

    def delete_azure(self, at: datetime) -> None:
        """Delete the Azure VM and its disks (commit of a failback)."""
        self.stop_azure(at)
        self.azure_state = "deleted"

    def start_onprem(self, at: datetime) -> None:
        """Power on the on-prem copy (it then writes and sends heartbeats); a corrupt copy does not boot."""
        if self.onprem_state in ("running", "corrupt"):
            return
        self.onprem_state = "running"
        self.onprem_since = at
        self.onprem_runs.append([at, None])

    def stop_onprem(self, at: datetime, new_state: str = "off") -> None:
        """Power off the on-prem copy (or mark it ``corrupt``), freezing its counters."""
        if self.onprem_state == "running":
            for disk in self.disks:
                disk.onprem_local_mb = self.onprem_written(disk, at)
            if self.onprem_runs and self.onprem_runs[-1][1] is None:
                self.onprem_runs[-1][1] = at
        self.onprem_since = None
        self.onprem_state = new_state

    def sync_to_onprem(self, at: datetime, upto: dict[str, float] | None = None) -> float:
        """Copy Azure writes to the on-prem disks; return the MB moved.

        Args:
            at: when the copy completes.
            upto: per-disk Azure counter captured earlier (a snapshot); default: the counter at ``at``.
        """
        if self.onprem_state == "corrupt":
            self.onprem_state = "off"  # a completed synchronisation leaves consistent disks (H10 remedy)
        moved = 0.0
        for disk in self.disks:
            target = (upto or {}).get(disk.name, self.azure_written(disk, at))
            moved += min(disk.size_mb, max(0.0, target - disk.onprem_synced_mb))
            disk.onprem_synced_mb = max(disk.onprem_synced_mb, target)
            disk.onprem_local_mb = 0.0
        return moved

    def sync_to_azure(self, at: datetime) -> float:
        """Copy on-prem writes to the Azure replica (re-protect); return the MB moved."""
        moved = 0.0
        for disk in self.disks:
            target = self.onprem_written(disk, at)
            moved += min(disk.size_mb, max(0.0, target - disk.replica_mb))
            disk.replica_mb = target
        return moved

    def heartbeat_minutes(self, since: datetime, until: datetime, limit: int = 2000) -> list[datetime]:
        """Times of the heartbeats the on-prem copy sent in ``[since, until]`` (one a minute)."""
        beats: list[datetime] = []
        for start, end in self.onprem_runs:
            assert start is not None
            stop = end or until
            if self.onprem_state != "running" and end is None:
                continue
            first = max(start, since)
            # heartbeats fall on whole minutes after the VM started
            offset = seconds(start, first)
            minutes = int(offset // 60) + (1 if offset % 60 else 0)
            when = start + timedelta(minutes=max(minutes, 1))
            while when <= min(stop, until):
                beats.append(when)
                when += timedelta(minutes=1)
        return beats[-limit:]

    def snapshot(self, at: datetime) -> dict[str, Any]:
        """State for ``GET /_sim/state``."""
        return {
            "name": self.name,
            "osType": self.os_type,
            "azureState": self.azure_state,
            "onpremState": self.onprem_state,
            "onpremHost": self.onprem_host,
            "azureStoppedAt": iso(self.azure_stopped_at),
            "disks": [
                {
                    "name": d.name,
                    "sizeGB": d.size_gb,
                    "managed": d.managed,
                    "azureMB": round(self.azure_written(d, at), 3),
                    "onpremSyncedMB": round(d.onprem_synced_mb, 3),
                    "onpremLocalMB": round(self.onprem_written(d, at), 3),
                    "replicaMB": round(d.replica_mb, 3),
                }
                for d in self.disks
            ],
        }
