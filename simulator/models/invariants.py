"""Invariant checks recorded at the moment things happen (``GET /_sim/invariants`` lists them).

- ``both_running``: the Azure copy and the on-prem copy of a VM ran at the same time;
- ``data_loss``: after failback, the on-prem disk holds less than the Azure disk's final state;
- ``cancel_during_sync``: a job was cancelled while data was being synchronised (H10; recorded
  by ``World.job_finished``);
- ``commit_before_onprem_ran``: a failback was committed although the on-prem VM never ran after it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.models.machines import Machine
    from simulator.models.world import World


def start_onprem(world: World, machine: Machine, at: datetime, after_failback: bool = False) -> None:
    """Start the on-prem copy, recording ``both_running`` and ``data_loss``; a corrupt VM does not boot.

    ``data_loss`` is checked whenever an Azure copy still exists (running or stopped): the on-prem
    copy then must hold all of it — after a failback (``after_failback``) or when someone boots the
    on-prem VM by hand instead of finishing the failback.
    """
    if machine.onprem_state == "corrupt":
        return  # inconsistent disks: the VM does not boot (H10); nothing ran
    if machine.azure_state == "running":
        world.violation(
            "both_running", machine.name, "the on-prem VM started while the Azure VM was running", at
        )
    if after_failback or machine.azure_state in ("running", "stopped"):
        for disk in machine.disks:
            final = machine.azure_written(disk, at)
            if disk.onprem_synced_mb + 1e-6 < final:
                world.violation(
                    "data_loss",
                    machine.name,
                    f"disk {disk.name}: on-prem copy holds {disk.onprem_synced_mb:.1f} MB of Azure writes, "
                    f"the Azure disk has {final:.1f} MB",
                    at,
                )
    machine.start_onprem(at)


def start_azure(world: World, machine: Machine, at: datetime) -> None:
    """Start the Azure copy, recording ``both_running``."""
    if machine.onprem_state == "running":
        world.violation(
            "both_running", machine.name, "the Azure VM started while the on-prem VM was running", at
        )
    machine.start_azure(at)


def commit_failback(world: World, machine: Machine, failback_started: datetime | None, at: datetime) -> None:
    """Record ``commit_before_onprem_ran`` unless the on-prem VM ran since the failback started."""
    ran = any(
        start is not None and failback_started is not None and start >= failback_started
        for start, _ in machine.onprem_runs
    )
    if not ran:
        world.violation(
            "commit_before_onprem_ran",
            machine.name,
            "the failback was committed (Azure VM and disks deleted) before the on-prem VM ran",
            at,
        )
