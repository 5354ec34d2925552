"""Recovery plans with the real SDK: list/get, Hyper-V plan failback (one suspension for the plan),
classic VMware replication-group failback, refusals (plan re-protect, H2e, V5)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.recoveryservicessiterecovery import models as m

from tests.simulator.conftest import RG, VAULT, Sim
from tests.simulator.test_vmware_classic import LIN01, LIN02, reprotect_to_onprem
from tests.simulator.test_vmware_modernized import RCM01
from tests.simulator.test_vmware_modernized import reprotect_to_onprem as rcm_reprotect

RP_DB01 = ("site-hq", "hq-container", "rpi-rp-db01")
RP_APP01 = ("site-hq", "hq-container", "rpi-rp-app01")


def plans(sim: Sim) -> Any:
    return sim.asr.replication_recovery_plans


def hyperv_plan_failback(sim: Sim, option: str = "ForDownTime", **extra: Any) -> Any:
    body = m.RecoveryPlanPlannedFailoverInput(
        properties=m.RecoveryPlanPlannedFailoverInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=[
                m.RecoveryPlanHyperVReplicaAzureFailbackInput(
                    data_sync_option=option, recovery_vm_creation_option=extra.pop("creation", "NoAction")
                )
            ],
        )
    )
    return plans(sim).begin_planned_failover(RG, VAULT, "rp-hyperv", body)


def plan_job(sim: Sim, name: str) -> Any:
    scenario = plans(sim).get(RG, VAULT, name).properties.current_scenario
    return sim.job(scenario.job_id.rsplit("/", 1)[1])


def test_plans_list_with_groups_providers_and_allowed_operations(sim: Sim) -> None:
    listed = {p.name: p for p in plans(sim).list(RG, VAULT)}
    assert set(listed) == {"rp-hyperv", "rp-vmware-linux", "rp-vmware-rcm"}
    hv = plans(sim).get(RG, VAULT, "rp-hyperv").properties
    assert [g.group_type for g in hv.groups] == ["Shutdown", "Failover", "Boot", "Boot"]
    boot = [[i.id.rsplit("/", 1)[1] for i in g.replication_protected_items] for g in hv.groups[2:]]
    assert boot == [["rpi-rp-db01"], ["rpi-rp-app01"]]
    assert hv.replication_providers == ["HyperVReplicaAzure"]
    assert hv.allowed_operations == ["PlannedFailover"]
    assert hv.recovery_fabric_id == "Microsoft Azure"
    vmware = listed["rp-vmware-linux"].properties
    assert vmware.replication_providers == ["InMageAzureV2"]
    assert vmware.allowed_operations == []  # re-protect is per item (plan re-protect no longer works)


def test_protected_items_filter_by_recovery_plan_name(sim: Sim) -> None:
    items = sim.asr.replication_protected_items.list(RG, VAULT, filter="RecoveryPlanName eq 'rp-hyperv'")
    assert sorted(i.properties.friendly_name for i in items) == ["rp-app01", "rp-db01"]


def test_hyperv_plan_failback_suspends_once_then_commits_H3a_H7(sim: Sim) -> None:
    poller = hyperv_plan_failback(sim)
    sim.advance(4 * 3600)
    job = plan_job(sim, "rp-hyperv")
    assert job.properties.state == "Suspended"
    assert job.properties.target_instance_type == "RecoveryPlan"
    assert [t.name for t in job.properties.tasks].count("CompleteFailover") == 1
    done = [t.friendly_name for t in job.properties.tasks if t.state == "Succeeded"]
    assert any(t.startswith("rp-db01: Synchronize data before failover") for t in done)
    assert any(t.startswith("rp-app01: Synchronize data before failover") for t in done)
    for vm in ("rp-db01", "rp-app01"):  # phase 1 ran while both Azure VMs kept running
        assert sim.world.machines[vm].azure_state == "running"
    item = sim.item(RP_APP01).properties
    assert item.current_scenario.job_id.endswith(job.name) and item.allowed_operations == []

    sim.resume(job.name)
    sim.advance(4 * 3600)
    plan = poller.result()
    assert plan.properties.allowed_operations == ["Commit"]  # R26 (items: FinalizeFailback, R3)
    for ref, vm in ((RP_DB01, "rp-db01"), (RP_APP01, "rp-app01")):
        assert sim.item(ref).properties.active_location == "Primary"
        assert (sim.world.machines[vm].azure_state, sim.world.machines[vm].onprem_state) == (
            "stopped",
            "running",
        )

    commit = plans(sim).begin_failover_commit(RG, VAULT, "rp-hyperv")
    sim.advance(1800)
    commit.result()
    for ref in (RP_DB01, RP_APP01):
        assert sim.item(ref).properties.protection_state == "RestoreFinalized"

    # R28: plan-level re-protect with an empty body works for a Hyper-V plan
    poller = plans(sim).begin_reprotect(RG, VAULT, "rp-hyperv")
    sim.advance(4 * 3600)
    poller.result()
    assert plan_job(sim, "rp-hyperv").properties.scenario_name == "ReverseReplication"
    for ref in (RP_DB01, RP_APP01):
        assert sim.item(ref).properties.protection_state in ("InitialReplicationInProgress", "Protected")
    assert sim.control.invariants() == []


def test_a_finished_plan_failback_offers_commit_not_cancel_R3_R26(sim: Sim) -> None:
    poller = hyperv_plan_failback(sim, "ForSynchronization")
    sim.advance(4 * 3600)
    poller.result()
    with pytest.raises(HttpResponseError):
        plans(sim).begin_failover_cancel(RG, VAULT, "rp-hyperv").result()
    for vm in ("rp-db01", "rp-app01"):  # nothing moved: the VMs run on-premises, Azure's are off
        assert (sim.world.machines[vm].azure_state, sim.world.machines[vm].onprem_state) == (
            "stopped",
            "running",
        )
    assert sim.control.invariants() == []


def test_alternate_location_cannot_be_expressed_for_a_plan_H2e(sim: Sim) -> None:
    with pytest.raises(HttpResponseError, match="alternate location") as refused:
        hyperv_plan_failback(sim, creation="CreateVmIfNotFound")
    assert refused.value.error.code == "AlternateLocationNotSupportedForRecoveryPlan"
    host = sim.asr.replication_recovery_services_providers.get(RG, VAULT, "site-hq", "hv-host-02")
    raw = {
        "properties": {
            "failoverDirection": "RecoveryToPrimary",
            "providerSpecificDetails": [
                {
                    "instanceType": "HyperVReplicaAzureFailback",
                    "dataSyncOption": "ForDownTime",
                    "recoveryVmCreationOption": "CreateVmIfNotFound",
                    "providerIdForAlternateRecovery": host.id,
                }
            ],
        }
    }
    with pytest.raises(HttpResponseError, match="H2e"):
        plans(sim).begin_planned_failover(RG, VAULT, "rp-hyperv", raw)
    assert plans(sim).get(RG, VAULT, "rp-hyperv").properties.allowed_operations == ["PlannedFailover"]


def _vmware_group_failback(point: str = "LatestTime") -> m.RecoveryPlanUnplannedFailoverInput:
    return m.RecoveryPlanUnplannedFailoverInput(
        properties=m.RecoveryPlanUnplannedFailoverInputProperties(
            failover_direction="RecoveryToPrimary",
            source_site_operations="Required",
            provider_specific_details=[m.RecoveryPlanInMageFailoverInput(recovery_point_type=point)],
        )
    )


def test_vmware_replication_group_fails_back_only_through_its_plan_V5(sim: Sim) -> None:
    with pytest.raises(HttpResponseError, match="re-protected to on-premises first"):
        plans(sim).begin_unplanned_failover(RG, VAULT, "rp-vmware-linux", _vmware_group_failback())

    pollers = [
        reprotect_to_onprem(sim, ref, mt="mt-lin-01", retention="/mnt/retention") for ref in (LIN01, LIN02)
    ]
    sim.advance(3600)
    assert {p.result().properties.provider_specific_details.instance_type for p in pollers} == {"InMage"}
    plan = plans(sim).get(RG, VAULT, "rp-vmware-linux").properties
    assert plan.replication_providers == ["InMage"]
    assert plan.allowed_operations == ["UnplannedFailover"]

    single = m.UnplannedFailoverInput(
        properties=m.UnplannedFailoverInputProperties(
            failover_direction="PrimaryToRecovery",
            source_site_operations="Required",
            provider_specific_details=m.InMageUnplannedFailoverInput(recovery_point_type="LatestTime"),
        )
    )
    with pytest.raises(HttpResponseError, match="only through its recovery plan") as refused:
        sim.asr.replication_protected_items.begin_unplanned_failover(RG, VAULT, *LIN01, single)
    assert refused.value.error.code == "ReplicationGroupOperationOnlyThroughRecoveryPlan"

    planned = m.RecoveryPlanPlannedFailoverInput(
        properties=m.RecoveryPlanPlannedFailoverInputProperties(failover_direction="RecoveryToPrimary")
    )
    with pytest.raises(HttpResponseError, match="Use an unplanned failover"):
        plans(sim).begin_planned_failover(RG, VAULT, "rp-vmware-linux", planned)

    poller = plans(sim).begin_unplanned_failover(RG, VAULT, "rp-vmware-linux", _vmware_group_failback())
    sim.advance(3600)
    assert poller.result().properties.allowed_operations == ["Commit"]
    for vm in ("vmw-lin01", "vmw-lin02"):
        assert (sim.world.machines[vm].azure_state, sim.world.machines[vm].onprem_state) == (
            "stopped",
            "running",
        )
    commit = plans(sim).begin_failover_commit(RG, VAULT, "rp-vmware-linux")
    sim.advance(1800)
    commit.result()
    assert [sim.item(ref).properties.allowed_operations for ref in (LIN01, LIN02)] == [
        ["ReverseReplicate", "DisableProtection"]
    ] * 2
    with pytest.raises(HttpResponseError, match="one by one"):  # VMware items need provider inputs
        plans(sim).begin_reprotect(RG, VAULT, "rp-vmware-linux")
    assert sim.control.invariants() == []


def test_plan_operation_refused_while_one_of_its_items_is_busy(sim: Sim) -> None:
    poller = sim.failback(RP_DB01, "ForSynchronization")
    with pytest.raises(HttpResponseError) as refused:
        hyperv_plan_failback(sim)
    assert refused.value.status_code == 409
    sim.advance(4 * 3600)
    poller.result()


def test_modernized_plan_fails_back_with_its_provider_input_and_commits(sim: Sim) -> None:
    poller = rcm_reprotect(sim)
    sim.advance(3600)
    poller.result()
    plan = plans(sim).get(RG, VAULT, "rp-vmware-rcm").properties
    assert (plan.replication_providers, plan.allowed_operations) == (
        ["InMageRcmFailback"],
        ["PlannedFailover"],
    )

    missing = m.RecoveryPlanPlannedFailoverInput(
        properties=m.RecoveryPlanPlannedFailoverInputProperties(failover_direction="RecoveryToPrimary")
    )
    with pytest.raises(HttpResponseError, match="'InMageRcmFailback' provider specific input"):
        plans(sim).begin_planned_failover(RG, VAULT, "rp-vmware-rcm", missing)

    body = m.RecoveryPlanPlannedFailoverInput(
        properties=m.RecoveryPlanPlannedFailoverInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=[
                m.RecoveryPlanInMageRcmFailbackFailoverInput(
                    recovery_point_type="CrashConsistent", use_multi_vm_sync_point="True"
                )
            ],
        )
    )
    poller = plans(sim).begin_planned_failover(RG, VAULT, "rp-vmware-rcm", body)
    sim.advance(3600)
    assert poller.result().properties.allowed_operations == ["CancelFailover", "Commit"]
    assert sim.item(RCM01).properties.provider_specific_details.last_planned_failover_status == "Succeeded"
    commit = plans(sim).begin_failover_commit(RG, VAULT, "rp-vmware-rcm")
    sim.advance(1800)
    commit.result()
    assert sim.item(RCM01).properties.allowed_operations == ["ReverseReplicate", "DisableProtection"]
    assert sim.control.invariants() == []
