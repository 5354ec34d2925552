"""Classic VMware failback (InMageAzureV2 -> InMage -> InMageAzureV2) with the real SDK (seed 002, V1-V6).

Every test drives the simulator through ``SiteRecoveryManagementClient`` only; the world is read
directly only for what ASR does not show (on-prem VM power state, invariants).
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.recoveryservicessiterecovery import models as m

from tests.simulator.conftest import RG, VAULT, Sim

WIN01 = ("vmware-cs01", "cloud-vmware", "rpi-vmw-win01")
WIN02 = ("vmware-cs01", "cloud-vmware", "rpi-vmw-win02")
LIN01 = ("vmware-cs01", "cloud-vmware", "rpi-vmw-lin01")
LIN02 = ("vmware-cs01", "cloud-vmware", "rpi-vmw-lin02")
LIN03 = ("vmware-cs01", "cloud-vmware", "rpi-vmw-lin03")
WIN03 = ("vmware-cs01", "cloud-vmware", "rpi-vmw-win03")
POLICY = (
    f"/Subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/{RG}/providers/"
    f"Microsoft.RecoveryServices/vaults/{VAULT}/replicationPolicies/vmware-policy-failback"
)


def reprotect_to_onprem(
    sim: Sim,
    ref: tuple[str, str, str],
    *,
    mt: str = "mt-win-01",
    datastore: str = "datastore-vmfs-01",
    retention: str = "R:",
    run_as: str | None = "vcenter-admin",
) -> Any:
    """Start a re-protect Azure -> on-prem as the portal / workflow sends it (V1)."""
    body = m.ReverseReplicationInput(
        properties=m.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=m.InMageReprotectInput(
                master_target_id=mt,
                process_server_id="ps-azure-01",
                retention_drive=retention,
                datastore_name=datastore,
                profile_id=POLICY,
                run_as_account_id=run_as,
            ),
        )
    )
    return sim.asr.replication_protected_items.begin_reprotect(RG, VAULT, *ref, body)


def failback(
    sim: Sim, ref: tuple[str, str, str], point: str = "LatestTime", site_ops: str = "Required"
) -> Any:
    body = m.UnplannedFailoverInput(
        properties=m.UnplannedFailoverInputProperties(
            failover_direction="PrimaryToRecovery",
            source_site_operations=site_ops,
            provider_specific_details=m.InMageUnplannedFailoverInput(recovery_point_type=point),
        )
    )
    return sim.asr.replication_protected_items.begin_unplanned_failover(RG, VAULT, *ref, body)


def reprotect_to_azure(sim: Sim, ref: tuple[str, str, str]) -> Any:
    body = m.ReverseReplicationInput(
        properties=m.ReverseReplicationInputProperties(
            failover_direction="PrimaryToRecovery",
            provider_specific_details=m.InMageAzureV2ReprotectInput(
                process_server_id="ps-cs01", master_target_id="mt-win-01", policy_id="vmware-policy"
            ),
        )
    )
    return sim.asr.replication_protected_items.begin_reprotect(RG, VAULT, *ref, body)


def failed_job(sim: Sim, poller: Any, seconds: float = 120) -> Any:
    """The job behind a failed LRO: the SDK raised; the job names the failing task and the error.

    Simulated time moves ``seconds`` first (2 minutes: enough for any prerequisites check to run).
    """
    sim.advance(seconds)
    with pytest.raises(HttpResponseError) as raised:
        poller.result()
    failed = sim.asr.replication_jobs.list(RG, VAULT, filter="Status eq 'Failed'")
    job = sim.job(next(iter(failed)).name)  # newest first
    assert job.properties.state == "Failed"
    # the SDK's error carries the job's ASR error code
    assert job.properties.errors[0].service_error_details.code in str(raised.value)
    return job


def failing_task(job: Any) -> tuple[str, Any]:
    task = next(t for t in job.properties.tasks if t.state == "Failed")
    return task.name, job.properties.errors[0].service_error_details


def fabric_details(sim: Sim) -> Any:
    return sim.asr.replication_fabrics.get(RG, VAULT, "vmware-cs01").properties.custom_details


def master_target(sim: Sim, name: str) -> Any:
    return next(t for t in fabric_details(sim).master_target_servers if t.id == name)


def test_config_server_fabric_and_failback_policy_are_visible_V1_V2(sim: Sim) -> None:
    details = fabric_details(sim)
    assert details.instance_type == "VMware"
    assert {p.id for p in details.process_servers} == {"ps-azure-01", "ps-cs01"}
    mts = {t.id: t for t in details.master_target_servers}
    assert mts["mt-win-01"].os_type == "Windows" and mts["mt-lin-01"].os_type == "Linux"
    assert [v.volume_name for v in mts["mt-win-01"].retention_volumes] == ["R:"]
    assert [v.volume_name for v in mts["mt-lin-01"].retention_volumes] == ["/mnt/retention"]
    assert {d.symbolic_name: d.type for d in mts["mt-win-01"].data_stores} == {
        "datastore-vmfs-01": "VMFS",
        "vsanDatastore": "vSAN",
        "nfs-datastore-01": "NFS",
    }
    assert {a.account_name for a in details.run_as_accounts} == {"vcenter-admin", "vcenter-readonly"}
    failback_policies = [
        p
        for p in sim.asr.replication_policies.list(RG, VAULT)
        if p.properties.provider_specific_details.instance_type == "InMage"
    ]
    assert [p.name for p in failback_policies] == ["vmware-policy-failback"]
    policy = failback_policies[0].properties.provider_specific_details
    assert (
        policy.recovery_point_threshold_in_minutes,
        policy.recovery_point_history,
        policy.app_consistent_frequency_in_minutes,
    ) == (15, 1440, 60)


def test_classic_failback_reprotect_failover_commit_reprotect_back_V1_V5(sim: Sim) -> None:
    item = sim.item(WIN01)
    assert item.properties.provider_specific_details.instance_type == "InMageAzureV2"
    # R43: a committed classic item in Azure offers SwitchProtection, not ReverseReplicate
    assert item.properties.allowed_operations == [
        "CompleteMigration",
        "DisableProtection",
        "SwitchProtection",
    ]
    assert item.properties.active_location == "Recovery"
    disks_before = master_target(sim, "mt-win-01").disk_count
    sim.advance(16 * 60)  # the Azure VM's agent registers with the CS (V4)

    poller = reprotect_to_onprem(sim, WIN01)
    sim.advance(120)
    assert sim.world.machines["vmw-win01"].onprem_state == "off"  # V5: off during re-protect
    sim.advance(3600)
    item = poller.result()
    details = item.properties.provider_specific_details
    assert details.instance_type == "InMage"
    assert (details.master_target_id, details.datastores) == ("mt-win-01", ["datastore-vmfs-01"])
    assert item.properties.protection_state == "Protected"
    assert "UnplannedFailover" in item.properties.allowed_operations
    assert "PlannedFailover" not in item.properties.allowed_operations
    assert sim.world.machines["vmw-win01"].onprem_state == "off"
    assert master_target(sim, "mt-win-01").disk_count == disks_before + 2

    with pytest.raises(HttpResponseError, match="Planned failover is not supported"):
        sim.asr.replication_protected_items.begin_planned_failover(
            RG,
            VAULT,
            *WIN01,
            m.PlannedFailoverInput(
                properties=m.PlannedFailoverInputProperties(failover_direction="RecoveryToPrimary")
            ),
        )

    sim.advance(1800)  # the Azure VM keeps writing; the failover must bring it all home
    poller = failback(sim, WIN01)
    sim.advance(400)
    item = poller.result()
    assert item.properties.protection_state == "UnplannedFailoverCommitPendingStatesBegin"
    assert item.properties.active_location == "Primary"
    assert "Commit" in item.properties.allowed_operations
    machine = sim.world.machines["vmw-win01"]
    assert (machine.azure_state, machine.onprem_state) == ("stopped", "running")

    commit = sim.asr.replication_protected_items.begin_failover_commit(RG, VAULT, *WIN01)
    sim.advance(300)
    item = commit.result()
    assert item.properties.allowed_operations == ["ReverseReplicate", "DisableProtection"]
    assert machine.azure_state == "deleted"
    assert master_target(sim, "mt-win-01").disk_count == disks_before

    # the on-prem VM booted 7 minutes ago: its agent is not registered yet (V4 applies both ways)
    job = failed_job(sim, reprotect_to_azure(sim, WIN01))
    assert failing_task(job)[1].code == "78060"
    sim.advance(16 * 60)
    poller = reprotect_to_azure(sim, WIN01)
    sim.advance(3600)
    item = poller.result()
    assert item.properties.provider_specific_details.instance_type == "InMageAzureV2"
    assert (item.properties.protection_state, item.properties.active_location) == ("Protected", "Primary")
    assert sim.control.invariants() == []


def test_reprotect_fails_until_the_agent_registers_V4(sim: Sim) -> None:
    # vmw-win01 started in Azure when the scenario was seeded: 5 minutes later its agent is not registered
    sim.advance(5 * 60)
    job = failed_job(sim, reprotect_to_onprem(sim, WIN01))
    task, details = failing_task(job)
    assert task == "ReprotectPrerequisitesCheck"
    assert details.code == "78060"
    assert "isn't installed" in details.message
    assert "15 minutes" in details.possible_causes
    assert details.recommended_action.startswith("Wait")
    assert sim.item(WIN01).properties.allowed_operations == [
        "CompleteMigration",
        "DisableProtection",
        "SwitchProtection",
    ]

    sim.advance(6 * 60 + 30)  # 13:30 after the start (the check runs at 14:00): still within the window
    failed_job(sim, reprotect_to_onprem(sim, WIN01))

    # 15:30 after the start: registered
    poller = reprotect_to_onprem(sim, WIN01)
    sim.advance(3600)
    assert poller.result().properties.protection_state == "Protected"


def test_agent_heartbeat_shows_when_the_agent_registered_V4(sim: Sim) -> None:
    before = sim.item(WIN01).properties.provider_specific_details.last_heartbeat
    sim.advance(16 * 60)
    after = sim.item(WIN01).properties.provider_specific_details.last_heartbeat
    assert after > before
    assert after > sim.item(WIN01).properties.last_successful_failover_time


def test_nfs_datastore_fails_while_preparing_the_master_target_V3(sim: Sim) -> None:
    sim.control.reset("vmware-nfs")
    assert [d.type for d in master_target(sim, "mt-win-01").data_stores] == ["NFS"]
    job = failed_job(sim, reprotect_to_onprem(sim, WIN01, datastore="nfs-datastore-01"))
    task, details = failing_task(job)
    assert (task, details.code) == ("PrepareMasterTargetTask", "78063")
    assert "VMFS or vSAN" in details.possible_causes
    assert "VMFS" in details.recommended_action
    assert sim.item(WIN01).properties.provider_specific_details.instance_type == "InMageAzureV2"


def test_more_than_60_disks_on_a_master_target_fails_counting_reprotects_in_flight_V3(sim: Sim) -> None:
    sim.control.reset("vmware-60-disks")
    assert master_target(sim, "mt-win-01").disk_count == 56
    first = reprotect_to_onprem(sim, WIN01)  # 56 + 2 = 58
    second = reprotect_to_onprem(sim, WIN02)  # 58 + 3 = 61 > 60 while the first is still running
    job = failed_job(sim, second)
    task, details = failing_task(job)
    assert (task, details.code) == ("ReprotectPrerequisitesCheck", "78062")
    assert "61 disks" in details.message
    assert "another master target" in details.recommended_action
    sim.advance(3600)
    assert first.result().properties.protection_state == "Protected"
    assert master_target(sim, "mt-win-01").disk_count == 58


def test_linux_vm_with_windows_master_target_fails_V3(sim: Sim) -> None:
    sim.control.reset("vmware-linux-windows-mt")
    assert [t.os_type for t in fabric_details(sim).master_target_servers] == ["Windows"]
    job = failed_job(sim, reprotect_to_onprem(sim, LIN03))
    task, details = failing_task(job)
    assert (task, details.code) == ("ReprotectPrerequisitesCheck", "78061")
    assert "Linux master target" in details.recommended_action


def test_read_only_vcenter_account_hides_datastores_and_fails_reprotect_V3(sim: Sim) -> None:
    sim.control.reset("vmware-readonly-vcenter")
    assert master_target(sim, "mt-win-01").data_stores == []
    job = failed_job(sim, reprotect_to_onprem(sim, WIN01))
    task, details = failing_task(job)
    assert (task, details.code) == ("PrepareMasterTargetTask", "78064")
    assert "read-only" in details.possible_causes
    assert "vCenter credentials" in details.recommended_action


def test_read_only_run_as_account_in_the_request_fails_reprotect_V3(sim: Sim) -> None:
    sim.advance(16 * 60)
    job = failed_job(sim, reprotect_to_onprem(sim, WIN01, run_as="vcenter-readonly"))
    assert failing_task(job)[1].code == "78064"


def test_mixed_os_replication_group_fails_reprotect_V3(sim: Sim) -> None:
    sim.control.reset("vmware-mixed-os-group")
    job = failed_job(sim, reprotect_to_onprem(sim, WIN03))
    task, details = failing_task(job)
    assert (task, details.code) == ("ReprotectPrerequisitesCheck", "78065")
    assert "vmw-mixed-group" in details.message


def test_replication_group_must_share_one_master_target_V5(sim: Sim) -> None:
    first = reprotect_to_onprem(sim, LIN01, mt="mt-lin-01", retention="/mnt/retention")
    sim.advance(3600)
    assert first.result().properties.provider_specific_details.master_target_id == "mt-lin-01"
    job = failed_job(
        sim,
        reprotect_to_onprem(
            sim, LIN02, mt="mt-lin-02", retention="/mnt/retention", datastore="datastore-vmfs-02"
        ),
    )
    assert failing_task(job)[1].code == "78066"


def test_disconnected_configuration_server_fails_reprotect_V3(sim: Sim) -> None:
    sim.advance(16 * 60)
    sim.control.host("cs01", False)
    assert (
        sim.asr.replication_fabrics.get(RG, VAULT, "vmware-cs01").properties.custom_details.cs_service_status
        == "Stopped"
    )
    job = failed_job(sim, reprotect_to_onprem(sim, WIN01))
    assert failing_task(job)[1].code == "78068"


def test_invalid_reprotect_inputs_are_refused_at_once_V1(sim: Sim) -> None:
    with pytest.raises(HttpResponseError, match="retention drive"):
        reprotect_to_onprem(sim, WIN01, retention="Z:")
    with pytest.raises(HttpResponseError, match="master target server 'mt-nope'"):
        reprotect_to_onprem(sim, WIN01, mt="mt-nope")
    with pytest.raises(HttpResponseError, match="datastore is required"):
        reprotect_to_onprem(sim, WIN01, datastore="")


def _protected_win01(sim: Sim) -> None:
    sim.advance(16 * 60)
    poller = reprotect_to_onprem(sim, WIN01)
    sim.advance(3600)
    poller.result()
    sim.advance(2 * 3600 + 600)  # the Azure VM keeps writing after the last app-consistent tag


def test_latest_tag_loses_writes_after_the_tag_and_the_invariant_says_so(sim: Sim) -> None:
    _protected_win01(sim)
    poller = failback(sim, WIN01, point="LatestTag")
    sim.advance(3600)
    poller.result()
    kinds = {v["kind"] for v in sim.control.invariants()}
    assert kinds == {"data_loss"}


def test_failback_without_shutting_down_azure_runs_both_copies(sim: Sim) -> None:
    _protected_win01(sim)
    poller = failback(sim, WIN01, site_ops="NotRequired")
    sim.advance(3600)
    poller.result()
    assert "both_running" in {v["kind"] for v in sim.control.invariants()}


def test_commit_after_the_onprem_vm_failed_to_start_is_reported(sim: Sim) -> None:
    _protected_win01(sim)
    sim.control.fault(kind="job_failure", task="StartVmOnPrimary", vm="vmw-win01")
    job = failed_job(sim, failback(sim, WIN01), seconds=900)
    assert failing_task(job)[0] == "StartVmOnPrimary"
    item = sim.item(WIN01)
    assert "Commit" in item.properties.allowed_operations  # the data is home; only the boot failed
    commit = sim.asr.replication_protected_items.begin_failover_commit(RG, VAULT, *WIN01)
    sim.advance(600)
    commit.result()
    assert {v["kind"] for v in sim.control.invariants()} == {"commit_before_onprem_ran"}
