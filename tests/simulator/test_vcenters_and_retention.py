"""Seed 002 through the real SDK: discovered vCenters and a retention drive that appears late (issue 16)."""

from __future__ import annotations

from tests.simulator.conftest import RG, VAULT, Sim

CS = "vmware-cs01"


def _volumes(sim: Sim, mt_id: str) -> list[str]:
    details = sim.asr.replication_fabrics.get(RG, VAULT, CS).properties.custom_details
    mt = next(m for m in details.master_target_servers if m.id == mt_id)
    return [v.volume_name for v in mt.retention_volumes or []]


def test_vcenters_name_their_account_and_a_read_only_one_says_it_cannot_list_datastores(sim: Sim) -> None:
    (default,) = sim.asr.replicationv_centers.list_by_replication_fabrics(RG, VAULT, CS)
    assert default.name == "vcenter01" and default.properties.run_as_account_id == "vcenter-admin"
    assert default.properties.discovery_status == "Completed" and not default.properties.health_errors
    sim.control.reset("vmware-readonly-account")
    vcenters = {v.name: v for v in sim.asr.replicationv_centers.list_by_replication_fabrics(RG, VAULT, CS)}
    other = vcenters["vcenter02"].properties
    assert other.run_as_account_id == "vcenter-readonly"
    (error,) = other.health_errors
    assert "Datastores could not be listed" in error.error_message
    assert sim.asr.replicationv_centers.get(RG, VAULT, CS, "vcenter02").name == "vcenter02"
    assert sim.asr.replication_fabrics.get(RG, VAULT, "site-hq").name == "site-hq"
    assert list(sim.asr.replicationv_centers.list_by_replication_fabrics(RG, VAULT, "site-hq")) == []


def test_a_new_retention_drive_is_listed_late_and_sooner_after_a_refresh(sim: Sim) -> None:
    sim.control.reset("vmware-late-retention")
    assert "R:" not in _volumes(sim, "mt-win-01")
    sim.advance(12 * 60)
    assert "R:" in _volumes(sim, "mt-win-01")  # up to 15 minutes after it was added
    sim.control.reset("vmware-late-retention")
    sim.track(sim.asr.replication_recovery_services_providers.begin_refresh_provider(RG, VAULT, CS, "cs01"))
    sim.advance(4 * 60)
    assert "R:" not in _volumes(sim, "mt-win-01")
    sim.advance(60)
    assert "R:" in _volumes(sim, "mt-win-01")  # five minutes after the refresh
