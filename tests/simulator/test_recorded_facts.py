"""The simulator answers as the real Site Recovery service was recorded answering (simulator/RECORDED.md).

Each test drives the simulator through the real ``SiteRecoveryManagementClient`` and checks one
recorded fact (or a small group) by its R-id: the Hyper-V failback states (R2-R10), the LRO
protocol (R13-R17), field types and sentinels (R38, R39, R53, R54) and the job model (R35-R37,
R52, R55-R57). Raw JSON is read where the SDK would hide a type (``cls=`` returns the wire body).
"""

from __future__ import annotations

from typing import Any

from azure.core.rest import HttpRequest
from azure.mgmt.recoveryservicessiterecovery import models as m

from simulator.clock import ManualClock
from simulator.testing import SimulatorServer
from tests.simulator.conftest import RG, VAULT, WEB01, Sim, failback_input


def _raw(pipeline_response: Any, deserialized: Any, headers: Any) -> Any:
    """``cls=`` hook: the answer's JSON as the service sent it."""
    return pipeline_response.http_response.json()


class _Capture:
    """``raw_response_hook``: the first answer's headers and the request that caused it."""

    def __init__(self) -> None:
        self.headers: dict[str, str] | None = None
        self.request_headers: dict[str, str] = {}
        self.status: int | None = None
        self.body: bytes | None = None

    def __call__(self, response: Any) -> None:
        if self.headers is None:
            self.headers = dict(response.http_response.headers)
            self.request_headers = dict(response.http_request.headers)
            self.status = response.http_response.status_code
            self.body = response.http_response.body()


def _item_json(sim: Sim, ref: tuple[str, str, str] = WEB01) -> dict[str, Any]:
    return sim.asr.replication_protected_items.get(RG, VAULT, *ref, cls=_raw)


def _job_json(sim: Sim, name: str) -> dict[str, Any]:
    return sim.asr.replication_jobs.get(RG, VAULT, name, cls=_raw)


def _failback_without_direction(option: str = "ForSynchronization") -> m.PlannedFailoverInput:
    """The body the .NET SDK sent (R2): provider details only, no ``failoverDirection``."""
    return m.PlannedFailoverInput(
        properties=m.PlannedFailoverInputProperties(
            provider_specific_details=m.HyperVReplicaAzureFailbackProviderInput(
                data_sync_option=option, recovery_vm_creation_option="NoAction"
            )
        )
    )


def _failed_back(sim: Sim) -> str:
    """Fail web01 back (ForSynchronization) to the end of its job; the job name."""
    poller = sim.failback(WEB01, "ForSynchronization")
    job = sim.job_id_of(WEB01)
    sim.advance(7200)
    poller.result()
    return job


def test_R2_a_failback_body_without_failover_direction_is_accepted_when_active_on_recovery(sim: Sim) -> None:
    capture = _Capture()
    sim.asr.replication_protected_items.begin_planned_failover(
        RG, VAULT, *WEB01, _failback_without_direction(), polling=False, raw_response_hook=capture
    )
    assert capture.status == 202
    item = sim.item(WEB01)
    assert item.properties.current_scenario.scenario_name == "PlannedFailover"
    sim.advance(7200)
    assert sim.item(WEB01).properties.active_location == "Primary"  # it was a failback


def test_R3_after_the_failback_job_the_item_is_finalize_restore_pending(sim: Sim) -> None:
    _failed_back(sim)
    props = _item_json(sim)["properties"]
    assert props["protectionState"] == "FinalizeRestorePending"
    assert props["protectionStateDescription"] == "Finalize failback pending"
    assert props["activeLocation"] == "Primary"
    assert props["allowedOperations"] == ["DisableProtection", "FinalizeFailback"]
    assert "Commit" not in props["allowedOperations"] and "CancelFailover" not in props["allowedOperations"]
    assert props["providerSpecificDetails"]["vmProtectionState"] == "FinalizeRestorePending"


def test_R5_R6_commit_is_accepted_from_finalize_restore_pending_and_the_azure_disks_go(sim: Sim) -> None:
    _failed_back(sim)
    capture = _Capture()
    poller = sim.asr.replication_protected_items.begin_failover_commit(
        RG, VAULT, *WEB01, raw_response_hook=capture
    )
    sim.track(poller)
    assert capture.status == 202  # R5: FinalizeFailback is the permission for failoverCommit
    sim.advance(600)
    assert poller.result().properties.protection_state == "RestoreFinalized"
    props = _item_json(sim)["properties"]
    assert props["protectionStateDescription"] == "Failback finalized"
    assert props["activeLocation"] == "Primary"
    assert props["allowedOperations"] == ["ReverseReplicate", "DisableProtection"]
    disks = props["providerSpecificDetails"]["azureVmDiskDetails"]
    assert disks and all(d["targetDiskLocation"] is None and d["targetDiskName"] is None for d in disks)


def test_R9_R10_after_reprotect_the_item_replicates_initially_then_is_protected_with_a_small_rpo(
    sim: Sim,
) -> None:
    _failed_back(sim)
    committed = sim.commit(WEB01)
    sim.advance(600)
    committed.result()
    reprotect = sim.reprotect(WEB01)
    sim.advance(600)
    reprotect.result()
    props = _item_json(sim)["properties"]
    assert props["protectionState"] == "InitialReplicationInProgress"  # R9
    assert props["protectionStateDescription"] == "Initial replication is in progress"
    assert props["activeLocation"] == "Primary"
    assert props["allowedOperations"] == ["DisableProtection"]
    assert props["currentScenario"]["scenarioName"] == "None"
    details = props["providerSpecificDetails"]
    assert details["vmProtectionState"] == "UnprotectedStatesBegin"  # R10
    assert details["vmProtectionStateDescription"] == "Enabling protection"
    assert details["rpoInSeconds"] is None
    assert details["lastRpoCalculatedTime"] == "0001-01-01T00:00:00"  # never calculated: a sentinel
    # the initial replication lasts as long as the VM's disks take to copy (127 GB at 100 MB/s)
    sim.advance(7200)
    protected = sim.item(WEB01).properties
    assert protected.protection_state == "Protected"
    first_rpo = protected.provider_specific_details.rpo_in_seconds
    assert protected.provider_specific_details.last_rpo_calculated_time is not None
    sim.advance(3600)
    later_rpo = sim.item(WEB01).properties.provider_specific_details.rpo_in_seconds
    assert later_rpo is not None and first_rpo is not None and later_rpo <= first_rpo
    assert later_rpo <= 60  # settles small


def test_R13_R14_R15_R16_an_item_operation_answers_202_and_its_lro_id_is_the_job(sim: Sim) -> None:
    capture = _Capture()
    poller = sim.asr.replication_protected_items.begin_planned_failover(
        RG, VAULT, *WEB01, failback_input("ForSynchronization"), raw_response_hook=capture
    )
    sim.track(poller)
    job = sim.job_id_of(WEB01)
    headers = capture.headers or {}
    assert capture.status == 202 and not capture.body  # R13
    assert headers["Location"].split("?")[0].endswith(f"/operationresults/{job}")  # R14/R15
    assert headers["Azure-AsyncOperation"].split("?")[0].endswith(f"/replicationOperationStatus/{job}")
    assert headers["Retry-After"] == "30"
    assert headers["x-ms-request-id"].endswith(f"/replicationJobs/{job}")
    raw = HttpRequest("GET", headers["Azure-AsyncOperation"])
    body = sim.asr._client.send_request(raw).json()
    assert body["name"] == job and body["status"] == "InProgress" and body["endTime"] is None  # R16
    assert set(body) == {
        "error",
        "id",
        "name",
        "properties",
        "status",
        "startTime",
        "endTime",
        "percentComplete",
    }


def test_R17_status_answers_carry_no_retry_after_by_default() -> None:
    with SimulatorServer(scenario="default", clock=ManualClock()) as server:
        client = server.mgmt_client()
        try:
            capture = _Capture()
            client.replication_protected_items.begin_planned_failover(
                RG,
                VAULT,
                *WEB01,
                failback_input("ForSynchronization"),
                polling=False,
                raw_response_hook=capture,
            )
            url = (capture.headers or {})["Azure-AsyncOperation"]
            answer = client._client.send_request(HttpRequest("GET", url))
            assert answer.status_code == 200
            assert "Retry-After" not in answer.headers
            assert answer.headers["x-ms-request-id"].endswith("/replicationJobs/" + answer.json()["name"])
        finally:
            client.close()


def test_R35_R57_R37_an_item_job_targets_the_vm_id_with_pascal_case_affected_objects(sim: Sim) -> None:
    sim.failback(WEB01, "ForDownTime")
    job = _job_json(sim, sim.job_id_of(WEB01))["properties"]
    vm_id = _item_json(sim)["properties"]["providerSpecificDetails"]["vmId"]
    assert job["targetObjectId"] == vm_id != WEB01[2]  # the VM's internal id, not the item's ARM name
    assert job["targetObjectName"] == "web01"
    assert job["targetInstanceType"] == "ProtectionEntity"
    affected = job["customDetails"]["affectedObjectDetails"]
    assert affected["PrimaryVmId"] == vm_id
    assert {"PrimaryVmName", "PrimaryCloudName", "RecoveryVmmName", "ProtectionProfileId"} <= set(affected)
    assert all(key[0].isupper() for key in affected)


def test_R36_the_activity_id_echoes_the_request_ids_of_the_post(sim: Sim) -> None:
    capture = _Capture()
    sim.track(
        sim.asr.replication_protected_items.begin_planned_failover(
            RG, VAULT, *WEB01, failback_input("ForSynchronization"), raw_response_hook=capture
        )
    )
    client_request_id = capture.request_headers["x-ms-client-request-id"]
    activity = _job_json(sim, sim.job_id_of(WEB01))["properties"]["activityId"]
    first, marker, second = activity.partition(" ActivityId: ")
    assert first == client_request_id and marker and len(second) == 36


def test_R38_R39_idle_scenario_sentinel_and_disk_numbers_as_strings(sim: Sim) -> None:
    props = _item_json(sim)["properties"]
    assert props["currentScenario"]["scenarioName"] == "None"
    assert props["currentScenario"]["jobId"].endswith("/replicationJobs/None")
    assert props["currentScenario"]["startTime"] == "1753-01-01T01:01:01Z"
    disks = props["providerSpecificDetails"]["azureVmDiskDetails"]
    assert disks[0]["maxSizeMB"] == str(127 * 1024) and isinstance(disks[0]["maxSizeMB"], str)
    assert disks[0]["vhdType"] == "OperatingSystem" and disks[0]["lunId"] == "0"


def test_R52_R53_R54_item_job_tasks_carry_codes_sentinels_and_null_group_details(sim: Sim) -> None:
    sim.failback(WEB01, "ForSynchronization")
    tasks = _job_json(sim, sim.job_id_of(WEB01))["properties"]["tasks"]
    first = tasks[0]
    assert (
        first["taskId"] == "PlannedFailoverPreflightChecksTask" and first["name"] == "VmPfoPrerequisitesCheck"
    )
    assert first["friendlyName"] == "Prerequisites check for planned failover"
    failover = next(t for t in tasks if t["name"] == "VmFailover")
    assert failover["taskId"] == "FailoverTask"
    not_started = tasks[-1]
    assert (
        not_started["startTime"] == "0001-01-01T00:00:00" and not_started["endTime"] == "0001-01-01T00:00:00"
    )
    for task in tasks:
        assert task["groupTaskCustomDetails"] is None
        assert task["taskType"] == "TaskDetails" and task["customDetails"] == {"instanceType": "TaskDetails"}
        assert task["errors"] == [] and task["allowedActions"] == []


def test_R55_R56_cancel_is_long_running_its_id_is_not_the_job_and_the_job_reads_cancelling(sim: Sim) -> None:
    sim.failback(WEB01, "ForDownTime")
    job = sim.job_id_of(WEB01)
    sim.advance(3600)  # suspended after sync phase 1
    capture = _Capture()
    poller = sim.track(sim.asr.replication_jobs.begin_cancel(RG, VAULT, job, raw_response_hook=capture))
    headers = capture.headers or {}
    assert capture.status == 202
    operation = headers["Azure-AsyncOperation"].split("?")[0].rsplit("/", 1)[1]
    assert operation != job  # R56
    cancelling = _job_json(sim, job)["properties"]
    assert cancelling["state"] == "Cancelling" and cancelling["stateDescription"] == "Cancelling"
    assert cancelling["allowedActions"] == []
    assert not poller.done()
    sim.advance(60)
    done = poller.result()
    assert done.name == job and done.properties.state == "Cancelled"
    assert sim.item(WEB01).properties.active_location == "Recovery"
