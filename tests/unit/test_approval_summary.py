"""What the switchover approver reads (contracts §7 summary, W4, H3)."""

from domain.approval_summary import data_to_transfer_gb, phase1_result, switchover_facts
from tests.unit.samples import task


def _wait(state, tasks):
    return {"state": state, "snapshot": {"state": state, "tasks": tasks}}


def test_phase1_counts_only_the_tasks_before_the_manual_step_not_the_switchover_sync():
    tasks = [
        task("VmPfoPrerequisitesCheck", "Succeeded"),
        task("SynchronizeDataBeforeFailover", "Succeeded", "Synchronize data before failover", endTime="T1"),
        task("CompleteFailover", "Suspended"),
        task("ShutdownVmOnRecovery", "NotStarted"),
        task("SynchronizeData", "NotStarted", "Synchronize data"),
    ]
    result = phase1_result(_wait("Suspended", tasks), "j-1")
    assert result["result"] == "ready for the switchover" and result["state"] == "Suspended"
    assert result["dataSynchronized"] == "yes (Synchronize data before failover succeeded)"
    assert result["finishedAt"] == "T1" and result["jobId"] == "j-1"


def test_phase1_says_no_when_the_sync_did_not_finish():
    tasks = [task("VmPfoPrerequisitesCheck", "Succeeded"), task("SynchronizeDataBeforeFailover", "Failed")]
    result = phase1_result(_wait("Failed", tasks), "j-1")
    assert result["dataSynchronized"].startswith("no (the job is Failed at")
    assert result["finishedAt"] is None


def test_data_to_transfer_is_the_final_delta_or_every_disk_H3():
    assert data_to_transfer_gb(200, "before-failover") == 4.0  # 2 % delta
    assert data_to_transfer_gb(192, "during-failover") == 192.0


def test_switchover_facts_carry_vm_estimate_and_recommendation():
    facts = {"friendlyName": "web01", "diskSizeGB": 192}
    out = switchover_facts(facts, {"dataSyncOption": "before-failover", "reason": "delta only"})
    assert out["vm"] == "web01" and out["dataToTransferGB"] == 3.8
    assert out["downtimeEstimateMinutes"] == round(out["expectedDowntime"]["seconds"] / 60)
    assert out["recommendation"] == {"dataSyncOption": "before-failover", "reason": "delta only"}
