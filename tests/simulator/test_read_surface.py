"""Read-only ARM surface through the real SDK: fabrics, providers, containers, items, policies, paging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.core.exceptions import ResourceNotFoundError

from tests.simulator.conftest import RG, VAULT, WEB01, Sim


def test_fabrics_show_kind_and_hosts(sim: Sim) -> None:
    fabrics = {f.name: f for f in sim.asr.replication_fabrics.list(RG, VAULT)}
    site = fabrics["site-hq"].properties.custom_details
    assert site.instance_type == "HyperVSite"
    assert {h.name for h in site.hyper_v_hosts} >= {"hv01.contoso.local", "hv02.contoso.local"}
    assert fabrics["vmm-contoso"].properties.custom_details.instance_type == "VMM"
    assert fabrics["site-hq"].properties.health == "Critical"  # hv-host-03 is disconnected
    assert sim.asr.replication_fabrics.get(RG, VAULT, "VMM-CONTOSO").name == "vmm-contoso"


def test_providers_report_connection_and_heartbeat_H2b(sim: Sim) -> None:
    providers = {p.name: p for p in sim.asr.replication_recovery_services_providers.list(RG, VAULT)}
    assert providers["hv-host-01"].properties.connection_status == "Connected"
    assert providers["vmm01"].properties.connection_status == "Connected"
    down = providers["hv-host-03"].properties
    assert down.connection_status == "NotConnected"
    assert sim.clock.now() - down.last_heart_beat > timedelta(days=1)
    assert sim.clock.now() - providers["hv-host-01"].properties.last_heart_beat < timedelta(seconds=30)
    assert down.health_error_details[0].error_code == "60017"
    sim.control.host("hv-host-03", connected=True)
    again = sim.asr.replication_recovery_services_providers.get(RG, VAULT, "site-hq", "hv-host-03")
    assert again.properties.connection_status == "Connected"


def test_containers_and_policies(sim: Sim) -> None:
    containers = list(
        sim.asr.replication_protection_containers.list_by_replication_fabrics(RG, VAULT, "site-hq")
    )
    assert [c.name for c in containers] == ["hq-container"]
    assert containers[0].properties.protected_item_count >= 5
    policy = sim.asr.replication_policies.get(RG, VAULT, "hyperv-azure-policy")
    assert policy.properties.provider_specific_details.instance_type == "HyperVReplicaAzure"


def test_protected_item_fields_the_workflow_reads(sim: Sim) -> None:
    item = sim.item(WEB01)
    props = item.properties
    assert item.id.startswith("/Subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-dr/")
    assert props.friendly_name == "web01"
    assert props.protection_state == "PlannedFailoverStatesBegin"
    assert props.active_location == "Recovery"
    assert "Failback" in props.allowed_operations
    assert props.current_scenario.scenario_name == "None"
    assert props.current_scenario.job_id.endswith("/replicationJobs/None")
    assert props.recovery_services_provider_id.endswith("/replicationRecoveryServicesProviders/hv-host-01")
    details = props.provider_specific_details
    assert details.instance_type == "HyperVReplicaAzure"
    assert details.use_managed_disks == "true"
    assert details.o_s_details.os_type == "Windows"
    assert len(details.azure_vm_disk_details) == 1
    assert props.last_successful_failover_time is not None


def test_unknown_names_are_not_found(sim: Sim) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        sim.asr.replication_protected_items.get(RG, VAULT, "site-hq", "hq-container", "nope")
    assert caught.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError):
        sim.asr.replication_fabrics.get(RG, "other-vault", "site-hq")


def test_lists_page_with_absolute_next_links(sim: Sim) -> None:
    sim.control.reset("many")
    sim.control.settings(page_size=25)
    items = list(sim.asr.replication_protected_items.list(RG, VAULT))
    assert len(items) == len({i.name for i in items}) >= 127
    counts = sim.control.requests()["byKind"]
    assert counts["read items.list"] == -(-len(items) // 25)  # one request per page
    by_container = list(
        sim.asr.replication_protected_items.list_by_replication_protection_containers(
            RG, VAULT, "site-hq", "hq-container"
        )
    )
    assert len(by_container) >= 125


def test_items_filtered_by_recovery_plan(sim: Sim) -> None:
    with sim.locked() as world:
        world.items["rpi-web01"].recovery_plan = "rp-test"
    items = list(sim.asr.replication_protected_items.list(RG, VAULT, filter="RecoveryPlanName eq 'rp-test'"))
    assert [i.name for i in items] == ["rpi-web01"]


def test_recovery_points(sim: Sim) -> None:
    points = list(sim.asr.recovery_points.list_by_replication_protected_items(RG, VAULT, *WEB01))
    assert [p.name for p in points] == ["latest"]


def test_protectable_items_show_which_onprem_vms_exist_H3b(sim: Sim) -> None:
    listed = sim.asr.replication_protectable_items.list_by_replication_protection_containers(
        RG, VAULT, "site-hq", "hq-container"
    )
    names = {p.properties.friendly_name for p in listed}
    assert "web01" in names
    assert "old01" not in names  # deleted on-prem
    web = sim.item(WEB01)
    protectable_name = web.properties.protectable_item_id.rsplit("/", 1)[1]
    got = sim.asr.replication_protectable_items.get(RG, VAULT, "site-hq", "hq-container", protectable_name)
    assert got.properties.replication_protected_item_id == web.id
    with pytest.raises(ResourceNotFoundError):
        old = sim.item(("site-hq", "hq-container", "rpi-old01"))
        sim.asr.replication_protectable_items.get(
            RG, VAULT, "site-hq", "hq-container", old.properties.protectable_item_id.rsplit("/", 1)[1]
        )


def test_encrypted_vmm_fabric_shows_its_certificate_H4(sim: Sim) -> None:
    fabric = sim.asr.replication_fabrics.get(RG, VAULT, "vmm-secure")
    assert fabric.properties.encryption_details.kek_state == "Enabled"
    assert (
        fabric.properties.encryption_details.kek_cert_thumbprint == "7A1B2C3D4E5F60718293A4B5C6D7E8F901234567"
    )
    assert (
        sim.asr.replication_fabrics.get(RG, VAULT, "vmm-contoso").properties.encryption_details.kek_state
        == "None"
    )
    assert sim.item(("vmm-secure", "cloud-secure", "rpi-fin01")).properties.friendly_name == "fin01"
