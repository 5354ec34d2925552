"""Named worlds the simulator can be seeded with (``--scenario``, ``POST /_sim/reset``).

Other model modules plug in without editing this file: after the base scenario is built,
every module under ``simulator/models/`` that defines ``seed_scenario(world, scenario)``
is called (VMware items and recovery plans come in that way), and a module may call
``register_scenario`` at import time to add scenarios of its own.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from simulator.clock import Clock
from simulator.models import hyperv
from simulator.models.fabrics import Container, Fabric, Policy
from simulator.models.hyperv import (
    PLANNED_COMMITTED,
    PROTECTED,
    UNPLANNED_COMMITTED,
    UNPLANNED_UNCOMMITTED,
    HyperVItem,
)
from simulator.models.items import ItemState
from simulator.models.machines import Disk, Machine
from simulator.models.world import World

Builder = Callable[[World], None]

#: thumbprint of the certificate of the encrypted VMM fabric ``vmm-secure`` (H4)
ENCRYPTION_THUMBPRINT = "7A1B2C3D4E5F60718293A4B5C6D7E8F901234567"


@dataclass
class Scenario:
    """A named world."""

    description: str
    build: Builder


SCENARIOS: dict[str, Scenario] = {}


def register_scenario(name: str, description: str, builder: Builder) -> None:
    """Add (or replace) a named scenario."""
    SCENARIOS[name] = Scenario(description, builder)


def _extension_modules() -> list[Any]:
    import simulator.models as models

    found = []
    for info in sorted(pkgutil.iter_modules(models.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"simulator.models.{info.name}")
        if hasattr(module, "seed_scenario"):
            found.append(module)
    return found


def build(name: str, clock: Clock, page_size: int = 50) -> World:
    """A world seeded with scenario ``name``."""
    extensions = _extension_modules()
    if name not in SCENARIOS:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(sorted(SCENARIOS))}")
    world = World(clock, page_size=page_size)
    world.scenario = name
    with world.lock:
        SCENARIOS[name].build(world)
        for module in extensions:
            module.seed_scenario(world, name)
    return world


# --- helpers ------------------------------------------------------------------------------------
def hyperv_policy(world: World) -> Policy:
    """The Hyper-V → Azure replication policy."""
    return world.add_policy(
        "hyperv-azure-policy",
        "hyperv-azure-policy",
        {
            "instanceType": "HyperVReplicaAzure",
            "recoveryPointHistoryDurationInHours": 24,
            "applicationConsistentSnapshotFrequencyInHours": 4,
            "replicationInterval": 300,
            "onlineReplicationStartTime": None,
            "encryption": "Disabled",
            "activeStorageAccountId": f"/subscriptions/{world.subscription_id}/resourceGroups/rg-dr-target"
            "/providers/"
            "Microsoft.Storage/storageAccounts/sadrcache",
        },
    )


def add_hyperv_vm(
    world: World,
    container: Container,
    policy: Policy,
    *,
    item_name: str,
    vm: str,
    host: str,
    disks: list[tuple[int, bool]],
    state: ItemState,
    in_azure_since: datetime | None,
    onprem: str = "off",
    write_rate_mb_s: float = 0.02,
    os_type: str = "Windows",
    committed_state: ItemState = hyperv.UNPLANNED_COMMITTED,
) -> HyperVItem:
    """Create a Hyper-V VM and its protected item.

    Args:
        world: the world.
        container: protection container.
        policy: replication policy.
        item_name: ASR item name.
        vm: VM (computer) name = friendly name.
        host: name of the on-prem provider (Hyper-V host or VMM server) it depends on.
        disks: ``(size GB, managed)`` per disk, OS disk first.
        state: item state.
        in_azure_since: when the Azure copy started running (None: not running in Azure).
        onprem: on-prem copy state.
        write_rate_mb_s: how fast the VM writes to each disk.
        os_type: Windows or Linux.
        committed_state: the state it returns to after an aborted failback.
    """
    machine = Machine(
        name=vm,
        os_type=os_type,
        disks=[
            Disk(f"{vm}-{'osdisk' if i == 0 else f'datadisk{i}'}", size, managed, write_rate_mb_s)
            for i, (size, managed) in enumerate(disks)
        ],
        onprem_state=onprem,
        onprem_host=host,
        azure_vm_id=f"{item_name}-vmid",
        ip_address=f"10.0.0.{10 + len(world.machines)}",
    )
    if in_azure_since is not None:
        machine.start_azure(in_azure_since)
    world.add_machine(machine)
    item = HyperVItem(world, container, item_name, machine, policy, host, state)
    item.committed_state = committed_state
    if in_azure_since is not None:
        item.last_failover_time = in_azure_since
    world.add_item(item)
    return item


# --- scenarios ----------------------------------------------------------------------------------
def _add_vmm_contoso(world: World) -> Fabric:
    """VMM server ``vmm01`` (fabric ``vmm-contoso``) with its cloud ``cloud-prod``."""
    vmm = world.add_fabric("vmm-contoso", "vmm01.contoso.local", "VMM")
    vmm.add_provider("vmm01", "vmm01.contoso.local")
    vmm.add_container("cloud-prod", "Cloud-Prod")
    return vmm


def _add_site_hq(world: World) -> Fabric:
    """Hyper-V site ``site-hq`` with host ``hv-host-01`` and container ``hq-container``."""
    site = world.add_fabric("site-hq", "HQ-HyperV-Site", "HyperVSite")
    site.add_provider("hv-host-01", "hv01.contoso.local")
    site.add_container("hq-container", "HQ-HyperV-Site")
    return site


def build_empty(world: World) -> None:
    """A vault with a Hyper-V site and a VMM server but no protected VM."""
    hyperv_policy(world)
    _add_site_hq(world)
    _add_vmm_contoso(world)


class _SeedVm(NamedTuple):
    """One Hyper-V VM of the default world; its item is ``rpi-<vm>``."""

    container: str
    vm: str
    host: str
    disks: tuple[tuple[int, bool], ...]
    state: ItemState
    #: how long before seeding it started running in Azure (None: not running there)
    in_azure_days: float | None
    #: further ``add_hyperv_vm`` arguments
    more: dict[str, Any] | None = None


# One row a VM, in the README table's order (which is also the list order); kept unformatted so
# that a row reads as a table row: container, VM, on-prem server, disks (GB, managed), state, days.
# fmt: off
_DEFAULT_VMS = (
    _SeedVm("cloud-prod", "app01", "vmm01", ((128, True), (256, True)), UNPLANNED_COMMITTED, 3),
    _SeedVm("hq-container", "web01", "hv-host-01", ((127, True),), PLANNED_COMMITTED, 2,
            {"committed_state": PLANNED_COMMITTED}),
    # storage-account disks: failback refused (H2a)
    _SeedVm("hq-container", "legacy01", "hv-host-01", ((127, False), (64, False)), UNPLANNED_COMMITTED, 5),
    # its host is disconnected: the failback job fails at its preflight (H2b)
    _SeedVm("hq-container", "db01", "hv-host-03", ((127, True), (512, True)), UNPLANNED_COMMITTED, 4),
    # failed over six hours ago, not committed yet (H2c)
    _SeedVm("cloud-prod", "file01", "vmm01", ((127, True),), UNPLANNED_UNCOMMITTED, 0.25),
    # long in Azure and deleted on-prem: needs CreateVmIfNotFound (H3b)
    _SeedVm("hq-container", "old01", "hv-host-01", ((127, True),), UNPLANNED_COMMITTED, 45,
            {"onprem": "absent", "write_rate_mb_s": 0.05}),
    # never failed over, running on-prem: nothing to fail back
    _SeedVm("hq-container", "lin01", "hv-host-01", ((64, True),), PROTECTED, None,
            {"onprem": "running", "os_type": "Linux"}),
    # on the encrypted VMM server: failback names its certificate (H4)
    _SeedVm("cloud-secure", "fin01", "vmm02", ((128, True),), UNPLANNED_COMMITTED, 1),
)
# fmt: on


def build_default(world: World) -> None:
    """The default world (README "Default scenario" table)."""
    now = world.now()
    policy = hyperv_policy(world)
    _add_vmm_contoso(world)
    site = _add_site_hq(world)
    site.add_provider("hv-host-02", "hv02.contoso.local")
    site.add_provider("hv-host-03", "hv03.contoso.local", connected=False)
    # a new host whose virtual switch is named differently: alternate location fails there (H9)
    site.add_provider("hv-host-04", "hv04.contoso.local").virtual_switches = ["vSwitch-Lab"]
    # a VMM server with cloud data encryption: failback names its certificate (H4)
    secure = world.add_fabric("vmm-secure", "vmm02.contoso.local", "VMM")
    secure.encryption = {
        "kekState": "Enabled",
        "kekCertThumbprint": ENCRYPTION_THUMBPRINT,
        "kekCertExpiryDate": "2028-06-30T00:00:00Z",
    }
    secure.add_provider("vmm02", "vmm02.contoso.local")
    secure.add_container("cloud-secure", "Cloud-Secure")

    containers = {c.name: c for f in world.fabrics.values() for c in f.containers.values()}
    for seed in _DEFAULT_VMS:
        add_hyperv_vm(
            world,
            containers[seed.container],
            policy,
            item_name=f"rpi-{seed.vm}",
            vm=seed.vm,
            host=seed.host,
            disks=list(seed.disks),
            state=seed.state,
            in_azure_since=None if seed.in_azure_days is None else now - timedelta(days=seed.in_azure_days),
            **(seed.more or {}),
        )
    world.machines["lin01"].start_onprem(now - timedelta(days=10))


def add_committed_hyperv_vms(
    world: World,
    container: Container,
    vms: Iterable[tuple[str, str]],
    *,
    disks: tuple[tuple[int, bool], ...] = ((64, True),),
    in_azure_since: datetime,
) -> list[HyperVItem]:
    """Hyper-V VMs failed over to Azure and committed (bulk and plan members); items ``rpi-<vm>``.

    Args:
        world: the world (with the Hyper-V policy).
        container: their protection container.
        vms: ``(VM name, on-prem provider name)`` each.
        disks: ``(size GB, managed)`` per disk, OS disk first.
        in_azure_since: when they started running in Azure.
    """
    policy = world.policies["hyperv-azure-policy"]
    return [
        add_hyperv_vm(
            world,
            container,
            policy,
            item_name=f"rpi-{vm}",
            vm=vm,
            host=host,
            disks=list(disks),
            state=hyperv.UNPLANNED_COMMITTED,
            in_azure_since=in_azure_since,
        )
        for vm, host in vms
    ]


def build_many(world: World) -> None:
    """The default world plus 120 committed Hyper-V VMs (``bulk001``…) to exercise paging."""
    build_default(world)
    hq = world.fabrics["site-hq"].containers["hq-container"]
    bulk = [(f"bulk{n:03d}", "hv-host-01") for n in range(1, 121)]
    add_committed_hyperv_vms(world, hq, bulk, in_azure_since=world.now() - timedelta(days=1))


register_scenario(
    "default", "Hyper-V VMs in Azure in every pre-flight situation (README table)", build_default
)
register_scenario("empty", "a Hyper-V site and a VMM server, nothing protected", build_empty)
register_scenario("many", "default plus 120 committed Hyper-V VMs (paging, benchmarks)", build_many)
