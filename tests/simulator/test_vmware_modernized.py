"""Modernized VMware failback (InMageRcm -> InMageRcmFailback -> InMageRcm) with the real SDK (§4f)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.recoveryservicessiterecovery import models as m

from tests.simulator.conftest import RG, VAULT, Sim
from tests.simulator.test_vmware_classic import failed_job, failing_task

RCM01 = ("vmware-appliance01", "cloud-rcm", "rpi-vmw-rcm01")
LOG_SA = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-dr-target/providers/"
    "Microsoft.Storage/storageAccounts/sadrlog"
)


def policy_id(sim: Sim, name: str) -> str:
    return str(sim.asr.replication_policies.get(RG, VAULT, name).id)


def reprotect_to_onprem(sim: Sim, datastore: str = "datastore-vmfs-01") -> Any:
    body = m.ReverseReplicationInput(
        properties=m.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=m.InMageRcmReprotectInput(
                reprotect_agent_id="reprotect-agent-01",
                datastore_name=datastore,
                log_storage_account_id=LOG_SA,
                policy_id=policy_id(sim, "rcm-policy-failback"),
            ),
        )
    )
    return sim.asr.replication_protected_items.begin_reprotect(RG, VAULT, *RCM01, body)


def failback(sim: Sim) -> Any:
    # PowerShell omits the direction for InMageRcmFailback (reference §2.3)
    body = m.PlannedFailoverInput(
        properties=m.PlannedFailoverInputProperties(
            provider_specific_details=m.InMageRcmFailbackPlannedFailoverProviderInput(
                recovery_point_type="ApplicationConsistent"
            )
        )
    )
    return sim.asr.replication_protected_items.begin_planned_failover(RG, VAULT, *RCM01, body)


def test_appliance_fabric_shows_reprotect_agents_and_their_datastores(sim: Sim) -> None:
    details = sim.asr.replication_fabrics.get(RG, VAULT, "vmware-appliance01").properties.custom_details
    assert details.instance_type == "InMageRcm"
    agent = details.reprotect_agents[0]
    assert (agent.id, agent.accessible_datastores) == (
        "reprotect-agent-01",
        ["datastore-vmfs-01", "vsanDatastore"],
    )
    assert [p.id for p in details.process_servers] == ["ps-appliance01"]
    item = sim.item(RCM01).properties
    assert item.provider_specific_details.instance_type == "InMageRcm"
    assert item.provider_specific_details.is_agent_registration_successful_after_failover is True


def test_modernized_failback_cancel_failback_commit_reprotect_back(sim: Sim) -> None:
    poller = reprotect_to_onprem(sim)
    sim.advance(3600)
    item = poller.result()
    details = item.properties.provider_specific_details
    assert details.instance_type == "InMageRcmFailback"
    assert (details.reprotect_agent_id, details.target_data_store_name) == (
        "reprotect-agent-01",
        "datastore-vmfs-01",
    )
    assert item.properties.allowed_operations == ["PlannedFailover", "DisableProtection"]
    machine = sim.world.machines["vmw-rcm01"]
    assert machine.onprem_state == "off"

    sim.advance(1800)
    poller = failback(sim)
    sim.advance(1800)
    item = poller.result()
    assert item.properties.protection_state == "PlannedFailoverCommitRequired"
    assert item.properties.provider_specific_details.last_planned_failover_status == "Succeeded"
    assert "CancelFailover" in item.properties.allowed_operations
    assert (machine.azure_state, machine.onprem_state) == ("stopped", "running")

    cancel = sim.asr.replication_protected_items.begin_failover_cancel(RG, VAULT, *RCM01)
    sim.advance(1800)
    item = cancel.result()
    assert item.properties.allowed_operations == ["PlannedFailover", "DisableProtection"]
    assert item.properties.provider_specific_details.last_planned_failover_status == "Cancelled"
    assert (machine.azure_state, machine.onprem_state) == ("running", "off")

    poller = failback(sim)
    sim.advance(1800)
    poller.result()
    commit = sim.asr.replication_protected_items.begin_failover_commit(RG, VAULT, *RCM01)
    sim.advance(600)
    item = commit.result()
    assert (item.properties.protection_state, item.properties.allowed_operations) == (
        "PlannedFailoverStatesBegin",
        ["ReverseReplicate", "DisableProtection"],
    )
    assert machine.azure_state == "deleted"

    sim.advance(900)  # the on-prem agent registers
    body = m.ReverseReplicationInput(
        properties=m.ReverseReplicationInputProperties(
            failover_direction="PrimaryToRecovery",
            provider_specific_details=m.InMageRcmFailbackReprotectInput(
                process_server_id="ps-appliance01", policy_id=policy_id(sim, "rcm-policy")
            ),
        )
    )
    poller = sim.asr.replication_protected_items.begin_reprotect(RG, VAULT, *RCM01, body)
    sim.advance(3600)
    item = poller.result()
    assert item.properties.provider_specific_details.instance_type == "InMageRcm"
    assert (item.properties.protection_state, item.properties.active_location) == ("Protected", "Primary")
    assert sim.control.invariants() == []


def test_datastore_the_appliance_cannot_reach_fails_reprotect(sim: Sim) -> None:
    job = failed_job(sim, reprotect_to_onprem(sim, datastore="nfs-datastore-01"))
    task, details = failing_task(job)
    assert (task, details.code) == ("ReprotectPrerequisitesCheck", "78067")
    assert "VMFS or vSAN" in details.possible_causes


def test_classic_inputs_are_refused_for_a_modernized_item(sim: Sim) -> None:
    body = m.ReverseReplicationInput(
        properties=m.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=m.InMageReprotectInput(
                master_target_id="mt-win-01",
                process_server_id="ps-azure-01",
                retention_drive="R:",
                profile_id="x",
            ),
        )
    )
    with pytest.raises(HttpResponseError, match="instanceType 'InMageRcm'") as refused:
        sim.asr.replication_protected_items.begin_reprotect(RG, VAULT, *RCM01, body)
    assert refused.value.status_code == 400
