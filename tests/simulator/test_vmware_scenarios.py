"""Scenario catalogue of the VMware/plan part: named seed-002 worlds and the scale worlds (issue 7)."""

from __future__ import annotations

from tests.simulator.conftest import RG, VAULT, Sim


def test_named_seed_002_scenarios_and_scale_worlds_are_offered(sim: Sim) -> None:
    names = {s["name"] for s in sim.control.scenarios()["scenarios"]}
    assert {
        "vmware-nfs",
        "vmware-60-disks",
        "vmware-linux-windows-mt",
        "vmware-readonly-vcenter",
        "vmware-mixed-os-group",
        "scale-10",
        "scale-500",
    } <= names


def test_scale_500_lists_every_vm_ready_for_failback_through_paging(sim: Sim) -> None:
    sim.control.reset("scale-500")
    items = list(sim.asr.replication_protected_items.list(RG, VAULT))
    assert len(items) == 500
    assert {i.properties.friendly_name for i in items} == {f"scale{n:04d}" for n in range(1, 501)}
    assert all("Failback" in i.properties.allowed_operations for i in items)
    hosts = sim.asr.replication_recovery_services_providers.list_by_replication_fabrics(
        RG, VAULT, "site-scale"
    )
    assert {p.properties.connection_status for p in hosts} == {"Connected"}
