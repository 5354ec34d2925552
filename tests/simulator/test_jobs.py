"""Jobs: list with ``$filter``, get with tasks, resume/cancel rules, operation status bodies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

from tests.simulator.conftest import APP01, DB01, RG, VAULT, WEB01, Sim


def _three_jobs(sim: Sim) -> tuple[str, str, str]:
    sim.failback(DB01)  # fails at preflight (host disconnected)
    failed = sim.job_id_of(DB01)
    sim.advance(60)
    sim.failback(WEB01, "ForDownTime")  # will be suspended
    suspended = sim.job_id_of(WEB01)
    sim.advance(3600)
    sim.failback(APP01, "ForSynchronization")
    running = sim.job_id_of(APP01)
    return failed, suspended, running


def test_job_list_filters_by_status_time_and_type(sim: Sim) -> None:
    start = sim.clock.now()
    failed, suspended, running = _three_jobs(sim)
    names = lambda text: {j.name for j in sim.asr.replication_jobs.list(RG, VAULT, filter=text)}  # noqa: E731
    assert names("Status eq 'Failed'") == {failed}
    assert names("Status eq 'Suspended'") == {suspended}
    later = (start + timedelta(seconds=30)).isoformat()
    assert names(f"StartTime ge '{later}'") == {suspended, running}
    assert names(f"StartTime le '{later}' and AffectedObjectTypes eq 'ProtectionEntity'") == {failed}
    assert names("whatever the simulator does not know") == {failed, suspended, running}
    listed = list(sim.asr.replication_jobs.list(RG, VAULT))
    assert [j.name for j in listed] == [running, suspended, failed]  # newest first
    assert all(j.properties.tasks == [] for j in listed)  # like the service: tasks only on get


def test_job_get_has_tasks_targets_and_no_end_time_while_running(sim: Sim) -> None:
    _, suspended, running = _three_jobs(sim)
    job = sim.job(running)
    assert job.properties.scenario_name == "PlannedFailover"
    assert job.properties.target_object_name == "app01"
    assert job.properties.target_instance_type == "ProtectionEntity"
    assert job.properties.end_time is None
    assert job.properties.allowed_actions == ["Cancel"]
    assert next(t.name for t in job.properties.tasks) == "VmPfoPrerequisitesCheck"
    assert job.properties.custom_details.instance_type == "FailoverJobDetails"
    assert sim.job(suspended).properties.state_description == "WaitingForManualAction"


def test_resume_needs_a_suspended_job_and_cancel_an_active_one(sim: Sim) -> None:
    failed, _, running = _three_jobs(sim)
    with pytest.raises(ResourceExistsError) as caught:
        sim.resume(running)
    assert caught.value.error.code == "JobNotSuspended"
    with pytest.raises(ResourceExistsError) as cancel:
        sim.asr.replication_jobs.begin_cancel(RG, VAULT, failed)
    assert cancel.value.error.code == "JobNotCancellable"
    with pytest.raises(ResourceNotFoundError):
        sim.job("00000000-0000-0000-0000-00000000dead")


def test_operation_status_bodies(sim: Sim) -> None:
    failed, suspended, _ = _three_jobs(sim)
    session = sim.control.session
    base = sim.server.info["arm_endpoint"]
    vault = (
        f"/subscriptions/{sim.server.info['subscription_id']}/resourceGroups/{RG}/providers/"
        f"Microsoft.RecoveryServices/vaults/{VAULT}"
    )
    headers = {"Authorization": "Bearer x"}
    ca = sim.server.info["ca_bundle"]
    body = session.get(
        f"{base}{vault}/replicationOperationStatus/{suspended}?api-version=2025-08-01",
        headers=headers,
        verify=ca,
    ).json()
    assert body["status"] == "InProgress" and body["name"] == suspended and body["endTime"] is None
    answer = session.get(
        f"{base}{vault}/replicationOperationStatus/{failed}?api-version=2025-08-01",
        headers=headers,
        verify=ca,
    )
    assert answer.json()["status"] == "Failed"
    assert answer.json()["error"]["code"] == "539"
    sim.control.settings(poll_retry_after=1)
    answer = session.get(
        f"{base}{vault}/replicationOperationStatus/{failed}?api-version=2025-08-01",
        headers=headers,
        verify=ca,
    )
    assert answer.headers["Retry-After"] == "1"
