"""Recorded facts of recovery plans and VMware (simulator/RECORDED.md), through the real SDK client.

Each test names the R-ids (and the G-id of a profile) it asserts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.recoveryservicessiterecovery import models as m

from tests.simulator.conftest import RG, VAULT, Sim
from tests.simulator.test_recovery_plans import RP_APP01, RP_DB01, hyperv_plan_failback, plans
from tests.simulator.test_vmware_classic import WIN01
from tests.simulator.test_vmware_classic import reprotect_to_onprem as classic_reprotect
from tests.simulator.test_vmware_modernized import RCM01
from tests.simulator.test_vmware_modernized import reprotect_to_onprem as rcm_reprotect


@pytest.fixture
def profile(sim: Sim) -> Iterator[Any]:
    """Reset the world under a named profile; back to the default profile afterwards."""

    def use(name: str) -> None:
        sim.server.control.reset("default", profile=name)

    yield use
    sim.server.control.reset("default", profile="recorded")


def _raw_failback(sim: Sim) -> Any:
    """POST the plan's failback (ForSynchronization) and return the raw 202."""
    body = m.RecoveryPlanPlannedFailoverInput(
        properties=m.RecoveryPlanPlannedFailoverInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=[
                m.RecoveryPlanHyperVReplicaAzureFailbackInput(
                    data_sync_option="ForSynchronization", recovery_vm_creation_option="NoAction"
                )
            ],
        )
    )
    captured: list[Any] = []
    plans(sim).begin_planned_failover(
        RG, VAULT, "rp-hyperv", body, polling=False, raw_response_hook=lambda r: captured.append(r)
    )
    return captured[0].http_response


def _get(sim: Sim, url: str) -> Any:
    from azure.core.rest import HttpRequest

    return sim.asr.send_request(HttpRequest("GET", url))


def test_R21_R25_plan_lro_id_is_not_the_job_and_the_status_names_the_job(sim: Sim) -> None:
    accepted = _raw_failback(sim)
    status_url = accepted.headers["Azure-AsyncOperation"]
    lro_id = status_url.split("?")[0].rsplit("/", 1)[1]
    status = _get(sim, status_url)
    job_name = status.json()["name"]
    assert job_name != lro_id  # R21
    assert status.headers["x-ms-request-id"].endswith(f"/replicationJobs/{job_name}")
    assert accepted.headers["x-ms-request-id"].endswith(lro_id)  # the 202 names the LRO id
    scenario = plans(sim).get(RG, VAULT, "rp-hyperv").properties.current_scenario
    assert scenario.job_id.rsplit("/", 1)[1] == job_name  # R25
    assert sim.job(job_name).properties.target_instance_type == "RecoveryPlan"


def test_R24_plan_keeps_its_last_scenario_with_status_succeeded(sim: Sim) -> None:
    poller = hyperv_plan_failback(sim, "ForSynchronization")
    sim.advance(4 * 3600)
    poller.result()
    plan = plans(sim).get(RG, VAULT, "rp-hyperv").properties
    assert plan.current_scenario.scenario_name == "PlannedFailover"
    assert sim.job(plan.current_scenario.job_id.rsplit("/", 1)[1]).properties.state == "Succeeded"
    assert (plan.current_scenario_status, plan.current_scenario_status_description) == (
        "Succeeded",
        "Completed",
    )
    assert plan.last_planned_failover_time is not None  # R30


def test_R23_G6_operation_results_answer_200_with_the_plan_by_default(sim: Sim) -> None:
    poller = hyperv_plan_failback(sim, "ForSynchronization")
    sim.advance(4 * 3600)
    assert poller.result().name == "rp-hyperv"


def test_R23_G6_operation_results_answer_204_under_plan_result_204(sim: Sim, profile: Any) -> None:
    profile("new-job-ids")
    accepted = _raw_failback(sim)
    sim.advance(4 * 3600)
    result = _get(sim, accepted.headers["Location"])
    assert (result.status_code, result.text()) == (204, "")
    poller = plans(sim).begin_failover_commit(RG, VAULT, "rp-hyperv")
    sim.advance(3600)
    assert poller.result() is None  # the SDK's poller answers None on 204


def _commit_plan(sim: Sim) -> None:
    poller = hyperv_plan_failback(sim, "ForSynchronization")
    sim.advance(4 * 3600)
    poller.result()
    poller = plans(sim).begin_failover_commit(RG, VAULT, "rp-hyperv")
    sim.advance(3600)
    poller.result()


def test_R28_plan_reprotect_with_an_empty_body_runs_reverse_replication(sim: Sim) -> None:
    _commit_plan(sim)
    poller = plans(sim).begin_reprotect(RG, VAULT, "rp-hyperv")
    sim.advance(4 * 3600)
    poller.result()
    plan = plans(sim).get(RG, VAULT, "rp-hyperv").properties
    assert plan.current_scenario.scenario_name == "ReverseReplication"
    assert plan.current_scenario_status == "Succeeded"
    for ref in (RP_DB01, RP_APP01):
        assert sim.item(ref).properties.protection_state in ("InitialReplicationInProgress", "Protected")
    assert sim.control.invariants() == []


def test_G12_plan_reprotect_refused_under_the_profile(sim: Sim, profile: Any) -> None:
    profile("strict-service")
    _commit_plan(sim)
    with pytest.raises(HttpResponseError) as refused:
        plans(sim).begin_reprotect(RG, VAULT, "rp-hyperv")
    assert refused.value.status_code == 400
    assert sim.item(RP_DB01).properties.protection_state == "RestoreFinalized"


def test_R43_R44_classic_item_in_azure_offers_switch_protection_and_reprotects_under_it(sim: Sim) -> None:
    props = sim.item(WIN01).properties
    assert (props.protection_state, props.active_location) == ("UnplannedFailoverCommitted", "Recovery")
    assert props.allowed_operations == ["CompleteMigration", "DisableProtection", "SwitchProtection"]
    assert props.protected_item_type == ""  # R44
    assert props.primary_fabric_provider == "InMageFabric"
    sim.advance(16 * 60)  # the agent registers (V4)
    poller = classic_reprotect(sim, WIN01)  # R45: reProtect RecoveryToPrimary with InMage input
    sim.advance(3 * 3600)
    assert poller.result().properties.provider_specific_details.instance_type == "InMage"


def test_R44_R47_modernized_item_replicating_back_reads_primary_with_the_vmware_fabric(sim: Sim) -> None:
    props = sim.item(RCM01).properties
    assert props.protected_item_type == "" and props.primary_fabric_provider == "InMageRcmFabric"
    sim.advance(16 * 60)
    poller = rcm_reprotect(sim)
    sim.advance(3 * 3600)
    item = poller.result().properties
    assert item.provider_specific_details.instance_type == "InMageRcmFailback"
    assert (item.protection_state, item.active_location) == ("Protected", "Primary")  # R47
    assert item.allowed_operations == ["PlannedFailover", "DisableProtection"]
    assert item.recovery_fabric_id.lower().endswith("/replicationfabrics/vmware-appliance01")
    assert sim.world.machines["vmw-rcm01"].azure_state == "running"  # the VM still runs in Azure


def test_R32_R37_a_plan_job_targets_the_plans_internal_id_with_asr_job_details(sim: Sim) -> None:
    hyperv_plan_failback(sim)
    plan = plans(sim).get(RG, VAULT, "rp-hyperv")
    job_name = str(plan.properties.current_scenario.job_id).rsplit("/", 1)[-1]
    job = sim.job(job_name).properties
    assert job.target_object_name == plan.properties.friendly_name
    assert job.target_instance_type == "RecoveryPlan"
    assert job.target_object_id != "rp-hyperv" and len(job.target_object_id) == 36  # a GUID (R32)
    details = job.custom_details
    assert details.instance_type == "AsrJobDetails"  # R37
    affected = details.affected_object_details
    assert (
        affected["RecoveryVmmName"] == "Microsoft Azure" and affected["RecoveryFabricProviderId"] == "Azure"
    )
    assert all(key[0].isupper() for key in affected)


def test_R42_a_hyperv_site_item_names_its_fabric_provider_single_host(sim: Sim) -> None:
    from tests.simulator.conftest import WEB01

    item = sim.item(WEB01).properties
    assert item.primary_fabric_provider == "SingleHostHyperVFabric"
    assert item.recovery_fabric_friendly_name == "Microsoft Azure"
