"""VMware, recovery-plan and scale content of the simulator's scenarios (README "VMware and recovery plans").

``seed(world, scenario)`` is called for every scenario after its base is built (through
``simulator.models.vmware_seed.seed_scenario``): it adds the VMware fabrics, items, policies and the
recovery plans to ``default`` and ``many``, and builds the named seed-002 scenarios
(``vmware-nfs``, ``vmware-60-disks``, ``vmware-linux-windows-mt``, ``vmware-readonly-vcenter``,
``vmware-mixed-os-group``) on top of ``default``. ``scale-N`` worlds hold N committed Hyper-V VMs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from simulator import scenarios
from simulator.models.fabrics import Container, Policy
from simulator.models.items import ItemState, ProtectedItem
from simulator.models.machines import Disk, Machine
from simulator.models.recovery_plans import add_plan
from simulator.models.vmware import CLASSIC_IN_AZURE, RCM_IN_AZURE
from simulator.models.vmware_classic import ClassicVmwareItem
from simulator.models.vmware_infra import (
    Appliance,
    ConfigServer,
    Datastore,
    MasterTarget,
    ProcessServer,
    ReprotectAgent,
    RetentionVolume,
    RunAsAccount,
)
from simulator.models.vmware_modernized import ModernizedVmwareItem
from simulator.models.world import World

CS_FABRIC = "vmware-cs01"
RCM_FABRIC = "vmware-appliance01"
SCALE_SIZES = (10, 50, 100, 200, 500)

#: named seed-002 scenarios -> description
VMWARE_SCENARIOS = {
    "vmware-nfs": "default, but master target mt-win-01 only has an NFS datastore (V3)",
    "vmware-60-disks": "default, mt-win-01 holds 56 disks; vmw-win01 (2) and vmw-win02 (3) wait for it (V3)",
    "vmware-linux-windows-mt": "default, no Linux master target; Linux VM vmw-lin03 has mt-win-01 only (V3)",
    "vmware-readonly-vcenter": "default, but vCenter was discovered with the read-only account (V3)",
    "vmware-late-retention": "default, but the R: retention drive just added to mt-win-01 is listed only 12 "
    "minutes later, or 5 minutes after a refresh of the configuration server (seed 002)",
    "vmware-alternate-vcenter": "default plus vCenter vcenter02 (discovered with vcenter-admin) and master "
    "target mt-win-02 on one of its ESXi hosts with datastore datastore-vmfs-03 (seed 002)",
    "vmware-readonly-account": "vmware-alternate-vcenter, but vcenter02 was discovered with the read-only "
    "account vcenter-readonly: it reports that datastores cannot be listed (seed 002)",
    "vmware-mixed-os-group": "default plus group vmw-mixed-group (vmw-win03 Windows + vmw-lin04 Linux) "
    "and plan rp-vmware-mixed (V3)",
}


# --- VMware infrastructure --------------------------------------------------------------------------
def add_config_server(world: World) -> tuple[ConfigServer, Container]:
    """Classic fabric ``vmware-cs01``: CS ``cs01``, process servers, Windows and Linux master targets."""
    cs = ConfigServer(
        fabric_name=CS_FABRIC,
        friendly_name="cs01.contoso.local",
        host_name="cs01.contoso.local",
        ip_address="10.1.0.4",
        process_servers=[
            ProcessServer("ps-azure-01", "ps-azure-01", "10.20.0.4", in_azure=True),
            ProcessServer("ps-cs01", "cs01.contoso.local", "10.1.0.4", in_azure=False),
        ],
        master_targets=[
            MasterTarget(
                "mt-win-01",
                "cs01.contoso.local",
                "Windows",
                "10.1.0.4",
                base_disk_count=2,
                retention_volumes=[RetentionVolume("R:")],
                datastores=[
                    Datastore("datastore-vmfs-01", "VMFS"),
                    Datastore("vsanDatastore", "vSAN"),
                    Datastore("nfs-datastore-01", "NFS"),
                ],
            ),
            MasterTarget(
                "mt-lin-01",
                "mt-lin-01.contoso.local",
                "Linux",
                "10.1.0.5",
                base_disk_count=1,
                retention_volumes=[RetentionVolume("/mnt/retention")],
                datastores=[Datastore("datastore-vmfs-01", "VMFS"), Datastore("vsanDatastore", "vSAN")],
            ),
            MasterTarget(
                "mt-lin-02",
                "mt-lin-02.contoso.local",
                "Linux",
                "10.1.0.6",
                base_disk_count=1,
                retention_volumes=[RetentionVolume("/mnt/retention")],
                datastores=[Datastore("datastore-vmfs-02", "VMFS")],
            ),
        ],
        run_as_accounts=[
            RunAsAccount("vcenter-admin", "vcenter-admin"),
            RunAsAccount("vcenter-readonly", "vcenter-readonly", read_only=True),
        ],
        discovery_account_id="vcenter-admin",
    )
    fabric = world.add_fabric(CS_FABRIC, cs.friendly_name, "VMware")
    provider = fabric.add_provider("cs01", cs.host_name)
    fabric.custom_details = lambda at: cs.custom_details(at, provider.is_connected(at))
    container = fabric.add_container("cloud-vmware", cs.friendly_name)
    world.extras["vmware_config_server"] = cs
    world.add_policy(
        "vmware-policy",
        "vmware-policy",
        {
            "instanceType": "InMageAzureV2",
            "recoveryPointThresholdInMinutes": 30,
            "recoveryPointHistory": 1440,
            "appConsistentFrequencyInMinutes": 60,
            "crashConsistentFrequencyInMinutes": 5,
            "multiVmSyncStatus": "Enabled",
        },
    )
    # V2: created with the forward policy, named after it, tied to the CS, not editable.
    world.add_policy(
        "vmware-policy-failback",
        "vmware-policy-failback",
        {
            "instanceType": "InMage",
            "recoveryPointThresholdInMinutes": 15,
            "recoveryPointHistory": 24 * 60,
            "appConsistentFrequencyInMinutes": 60,
            "multiVmSyncStatus": "Enabled",
        },
    )
    return cs, container


def add_appliance(world: World) -> tuple[Appliance, Container]:
    """Modernized fabric ``vmware-appliance01`` with reprotect agent ``reprotect-agent-01``."""
    appliance = Appliance(
        fabric_name=RCM_FABRIC,
        friendly_name="appliance01.contoso.local",
        process_servers=[ProcessServer("ps-appliance01", "appliance01", "10.1.0.9", in_azure=False)],
        reprotect_agents=[
            ReprotectAgent(
                "reprotect-agent-01", "appliance01", "vcenter01", ["datastore-vmfs-01", "vsanDatastore"]
            )
        ],
        run_as_accounts=[RunAsAccount("vcenter-admin", "vcenter-admin")],
    )
    fabric = world.add_fabric(RCM_FABRIC, appliance.friendly_name, "InMageRcm")
    fabric.add_provider("appliance01", "appliance01.contoso.local")
    fabric.custom_details = appliance.custom_details
    container = fabric.add_container("cloud-rcm", appliance.friendly_name)
    world.extras["vmware_appliance"] = appliance
    world.add_policy(
        "rcm-policy",
        "rcm-policy",
        {
            "instanceType": "InMageRcm",
            "recoveryPointHistoryInMinutes": 4320,
            "crashConsistentFrequencyInMinutes": 5,
            "appConsistentFrequencyInMinutes": 60,
            "enableMultiVmSync": "True",
        },
    )
    world.add_policy(
        "rcm-policy-failback",
        "rcm-policy-failback",
        {
            "instanceType": "InMageRcmFailback",
            "crashConsistentFrequencyInMinutes": 5,
            "appConsistentFrequencyInMinutes": 60,
        },
    )
    return appliance, container


def _machine(world: World, vm: str, os_type: str, disks: list[int], item_name: str) -> Machine:
    machine = Machine(
        name=vm,
        os_type=os_type,
        disks=[Disk(f"{vm}-disk{i}", size) for i, size in enumerate(disks)],
        onprem_state="off",
        onprem_host="esxi01.contoso.local",
        azure_vm_id=f"{item_name}-vmid",
        ip_address=f"10.1.1.{10 + len(world.machines)}",
    )
    return world.add_machine(machine)


def add_classic_vm(
    world: World,
    cs: ConfigServer,
    container: Container,
    *,
    vm: str,
    os_type: str,
    disks: list[int],
    in_azure_since: datetime,
    group: str | None = None,
    state: ItemState = CLASSIC_IN_AZURE,
) -> ClassicVmwareItem:
    """A classic VMware VM failed over to Azure and committed (agent clock starts at ``in_azure_since``)."""
    item_name = f"rpi-{vm}"
    machine = _machine(world, vm, os_type, disks, item_name)
    machine.start_azure(in_azure_since)
    item = ClassicVmwareItem(
        world,
        container,
        item_name,
        machine,
        _policy(world, "vmware-policy"),
        "cs01",
        state,
        config_server=cs,
        group=group,
    )
    item.last_failover_time = in_azure_since
    world.add_item(item)
    return item


def add_modernized_vm(
    world: World,
    appliance: Appliance,
    container: Container,
    *,
    vm: str,
    disks: list[int],
    in_azure_since: datetime,
) -> ModernizedVmwareItem:
    """A modernized VMware VM failed over to Azure and committed."""
    item_name = f"rpi-{vm}"
    machine = _machine(world, vm, "Windows", disks, item_name)
    machine.start_azure(in_azure_since)
    item = ModernizedVmwareItem(
        world,
        container,
        item_name,
        machine,
        _policy(world, "rcm-policy"),
        "appliance01",
        RCM_IN_AZURE,
        appliance=appliance,
    )
    item.last_failover_time = in_azure_since
    world.add_item(item)
    return item


def _policy(world: World, name: str) -> Policy:
    return world.policies[name]


# --- content of the default world ------------------------------------------------------------------
def add_default_content(world: World, failed_over_at: datetime) -> None:
    """VMware VMs (classic, modernized, a Linux replication group) and two recovery plans.

    Args:
        world: a world built by ``simulator.scenarios.build_default``.
        failed_over_at: when the classic VM ``vmw-win01`` started in Azure (its agent registers
            15 simulated minutes later, V4).
    """
    now = world.now()
    cs, vmware_container = add_config_server(world)
    appliance, rcm_container = add_appliance(world)
    add_classic_vm(
        world,
        cs,
        vmware_container,
        vm="vmw-win01",
        os_type="Windows",
        disks=[128, 256],
        in_azure_since=failed_over_at,
    )
    lin: list[ProtectedItem] = [
        add_classic_vm(
            world,
            cs,
            vmware_container,
            vm=name,
            os_type="Linux",
            disks=[64],
            in_azure_since=now - timedelta(days=1),
            group="vmw-lin-group",
        )
        for name in ("vmw-lin01", "vmw-lin02")
    ]
    rcm = add_modernized_vm(
        world, appliance, rcm_container, vm="vmw-rcm01", disks=[128], in_azure_since=now - timedelta(hours=2)
    )
    add_plan(world, "rp-vmware-rcm", "RP-VMware-Modernized", [[rcm]], world.fabric(RCM_FABRIC))
    add_plan(world, "rp-vmware-linux", "RP-VMware-Linux-Group", [lin], world.fabric(CS_FABRIC))

    site = world.fabrics.get("site-hq")
    if site is not None:
        members = scenarios.add_committed_hyperv_vms(
            world,
            site.containers["hq-container"],
            [("rp-db01", "hv-host-01"), ("rp-app01", "hv-host-01")],
            disks=((127, True), (64, True)),
            in_azure_since=now - timedelta(days=2),
        )
        add_plan(world, "rp-hyperv", "RP-HyperV-App", [[members[0]], [members[1]]], site)


# --- named scenarios -------------------------------------------------------------------------------
def _late_retention(world: World, mt_id: str, volume: str) -> None:
    """Seed 002: a retention drive added to the MT is listed up to 15 minutes later (sooner if refreshed)."""
    fabric = world.fabric(CS_FABRIC)
    base = fabric.custom_details
    assert base is not None
    listed_at = {"at": world.now() + timedelta(minutes=12)}

    def details(at: datetime) -> dict[str, Any]:
        out = base(at)
        if at < listed_at["at"]:
            for mt in out.get("masterTargetServers") or []:
                if mt.get("id") == mt_id:
                    mt["retentionVolumes"] = [v for v in mt["retentionVolumes"] if v["volumeName"] != volume]
        return out

    def refreshed(provider: Any, at: datetime) -> None:
        if provider.fabric is fabric:
            listed_at["at"] = min(listed_at["at"], at + timedelta(minutes=5))

    fabric.custom_details = details
    world.extras.setdefault("on_refresh_provider", []).append(refreshed)


def _alternate_vcenter(world: World, cs: ConfigServer, account: str) -> None:
    """Seed 002: another vCenter discovered by the CS, with a master target on one of its ESXi hosts."""
    cs.master_targets.append(
        MasterTarget(
            "mt-win-02",
            "mt-win-02.contoso.local",
            "Windows",
            "10.2.0.5",
            base_disk_count=1,
            retention_volumes=[RetentionVolume("R:")],
            datastores=[Datastore("datastore-vmfs-03", "VMFS")],
        )
    )
    world.extras["vmware_extra_vcenters"] = [
        {
            "name": "vcenter02",
            "friendlyName": "vcenter02.contoso.local",
            "ipAddress": "10.2.0.10",
            "runAsAccountId": account,
        }
    ]


def _tweak(world: World, scenario: str) -> None:
    cs: ConfigServer = world.extras["vmware_config_server"]
    mt_win = cs.master_target("mt-win-01")
    assert mt_win is not None
    container = world.fabric(CS_FABRIC).containers["cloud-vmware"]
    since = world.now() - timedelta(days=1)
    if scenario == "vmware-nfs":
        mt_win.datastores = [Datastore("nfs-datastore-01", "NFS")]
    elif scenario == "vmware-60-disks":
        mt_win.base_disk_count = 56
        add_classic_vm(
            world, cs, container, vm="vmw-win02", os_type="Windows", disks=[64, 64, 64], in_azure_since=since
        )
    elif scenario == "vmware-linux-windows-mt":
        cs.master_targets = [mt_win]
        add_classic_vm(
            world, cs, container, vm="vmw-lin03", os_type="Linux", disks=[64], in_azure_since=since
        )
    elif scenario == "vmware-readonly-vcenter":
        cs.discovery_account_id = "vcenter-readonly"
    elif scenario == "vmware-late-retention":
        _late_retention(world, mt_win.id, "R:")
    elif scenario in ("vmware-alternate-vcenter", "vmware-readonly-account"):
        _alternate_vcenter(
            world, cs, "vcenter-readonly" if scenario == "vmware-readonly-account" else "vcenter-admin"
        )
    elif scenario == "vmware-mixed-os-group":
        members: list[ProtectedItem] = [
            add_classic_vm(
                world,
                cs,
                container,
                vm=vm,
                os_type=os_type,
                disks=[64],
                in_azure_since=since,
                group="vmw-mixed-group",
            )
            for vm, os_type in (("vmw-win03", "Windows"), ("vmw-lin04", "Linux"))
        ]
        add_plan(world, "rp-vmware-mixed", "RP-VMware-Mixed-OS", [members], world.fabric(CS_FABRIC))


def seed(world: World, scenario: str) -> None:
    """Add this module's content to the world of ``scenario`` (called for every scenario)."""
    if scenario in ("default", "many"):
        add_default_content(world, failed_over_at=world.now())
    elif scenario in VMWARE_SCENARIOS:
        # agents registered long ago: each scenario shows its V3 rule alone
        add_default_content(world, failed_over_at=world.now() - timedelta(days=1))
        _tweak(world, scenario)


# --- scale -----------------------------------------------------------------------------------------
def build_scale(world: World, count: int) -> None:
    """A Hyper-V site with ``count`` VMs failed over and committed (benchmark of issue 7).

    Ten Hyper-V hosts share the VMs (``scale-host-01``…); VMs are ``scale0001``… (items ``rpi-scale0001``…),
    one 64 GB managed disk each, running in Azure for a day.
    """
    scenarios.build_empty(world)
    site = world.add_fabric("site-scale", "Scale-HyperV-Site", "HyperVSite")
    hosts = [site.add_provider(f"scale-host-{n:02d}", f"scalehv{n:02d}.contoso.local") for n in range(1, 11)]
    container = site.add_container("scale-container", "Scale-HyperV-Site")
    vms = [(f"scale{n:04d}", hosts[n % len(hosts)].name) for n in range(1, count + 1)]
    scenarios.add_committed_hyperv_vms(world, container, vms, in_azure_since=world.now() - timedelta(days=1))


def register() -> None:
    """Register the named VMware scenarios and ``scale-N`` with the core scenario table."""
    for name, description in VMWARE_SCENARIOS.items():
        scenarios.register_scenario(name, description, scenarios.build_default)
    for size in SCALE_SIZES:
        scenarios.register_scenario(
            f"scale-{size}",
            f"{size} Hyper-V VMs failed over and committed on one site (benchmarks)",
            lambda world, size=size: build_scale(world, size),  # type: ignore[misc]
        )
    scenarios.register_scenario(
        "scale", "100 Hyper-V VMs failed over and committed (benchmarks)", lambda w: build_scale(w, 100)
    )
