"""ASR-changing activities and job activities against the simulator (H1, H3, H7-H10)."""

import pytest

from activities.items import read_item
from activities.jobs import cancel, read, resume
from activities.operations import commit, reverse, start
from domain.errors import FailbackError

WEB01 = {"fabric": "site-hq", "container": "hq-container", "name": "rpi-web01"}


def _start(env, option="before-failover", **fields):
    fields.setdefault("location", "original")
    return start(env.payload(item=WEB01, dataSyncOption=option, **fields), env.settings)


def _job(env, job_id):
    return read(env.payload(jobId=job_id), env.settings)


def _until(env, job_id, done, step=60):
    env.advance_until(lambda: done(_job(env, job_id)), step=step)
    return _job(env, job_id)


def test_start_twice_starts_one_job_and_adopts_it_H1(env):
    first = _start(env)
    second = _start(env)
    assert first["adopted"] is False and first["dataSyncOption"] == "ForDownTime"
    assert second == {**first, "adopted": True}
    jobs = env.jobs()
    assert len(jobs) == 1 and jobs[0]["name"] == first["jobId"]
    snap = _job(env, first["jobId"])
    assert snap["scenarioName"] == "PlannedFailover" and snap["state"] in ("NotStarted", "InProgress")


def test_before_failover_syncs_while_running_then_suspends_for_approval_H3a_H10(env):
    job_id = _start(env)["jobId"]
    syncing = _until(env, job_id, lambda s: s["dataSyncInProgress"], step=10)
    assert syncing["currentTask"]["name"] == "SynchronizeDataBeforeFailover"
    assert syncing["percent"] is not None
    suspended = _until(env, job_id, lambda s: s["state"] == "Suspended")
    assert suspended["dataSyncInProgress"] is False
    assert suspended["currentTask"]["name"] == "CompleteFailover"
    assert "Resume" in suspended["allowedActions"]


def test_cancel_is_refused_while_data_synchronizes_and_never_sent_H10(env):
    job_id = _start(env)["jobId"]
    _until(env, job_id, lambda s: s["dataSyncInProgress"], step=10)
    writes = env.sim.control.requests()["writes"]
    with pytest.raises(FailbackError) as info:
        cancel(env.payload(jobId=job_id), env.settings)
    assert info.value.code == "CANCEL_REFUSED_DATA_SYNC"
    assert "H10" in info.value.message
    assert env.sim.control.requests()["writes"] == writes  # no cancel reached ASR
    assert _job(env, job_id)["state"] == "InProgress"
    assert env.sim.control.invariants() == []


def test_cancel_is_refused_just_before_the_sync_starts_H10(env):
    job_id = _start(env)["jobId"]
    snap = _job(env, job_id)
    assert snap["state"] == "InProgress" and not snap["dataSyncInProgress"]
    with pytest.raises(FailbackError) as info:
        cancel(env.payload(jobId=job_id), env.settings)
    assert info.value.code == "CANCEL_REFUSED_DATA_SYNC"


def test_cancel_of_the_suspended_job_keeps_the_azure_vm_and_is_idempotent(env):
    job_id = _start(env)["jobId"]
    _until(env, job_id, lambda s: s["state"] == "Suspended")
    # R55: the cancel is long-running: the job reads Cancelling first, then Cancelled
    assert cancel(env.payload(jobId=job_id), env.settings) == {
        "jobId": job_id,
        "state": "Cancelling",
        "adopted": False,
    }
    assert cancel(env.payload(jobId=job_id), env.settings)["adopted"] is True
    assert _until(env, job_id, lambda s: s["state"] == "Cancelled")["state"] == "Cancelled"
    assert cancel(env.payload(jobId=job_id), env.settings) == {
        "jobId": job_id,
        "state": "Cancelled",
        "adopted": True,
    }
    facts = read_item(env.payload(item=WEB01), env.settings)
    assert facts["activeLocation"] == "Recovery" and "Failback" in facts["allowedOperations"]
    assert env.sim.control.invariants() == []


def test_resume_is_idempotent_and_runs_phase_2(env):
    job_id = _start(env)["jobId"]
    _until(env, job_id, lambda s: s["state"] == "Suspended")
    first = resume(env.payload(jobId=job_id, comments="approved by ops@contoso.com"), env.settings)
    again = resume(env.payload(jobId=job_id, comments="approved"), env.settings)
    assert first["jobId"] == job_id and first["adopted"] is False
    assert again["jobId"] == job_id and again["adopted"] is True
    done = _until(env, job_id, lambda s: s["state"] == "Succeeded")
    assert [t["name"] for t in done["tasks"]][-1] == "StartVmOnPrimary"
    assert resume(env.payload(jobId=job_id), env.settings) == {
        "jobId": job_id,
        "adopted": True,
        "state": "Succeeded",
    }


def test_during_failover_then_commit_then_reverse_replication_each_once_H7_H8(env):
    job_id = _start(env, option="during-failover")["jobId"]
    _until(env, job_id, lambda s: s["state"] == "Succeeded")
    assert (
        read_item(env.payload(item=WEB01), env.settings)["protectionState"] == "FinalizeRestorePending"  # R3
    )
    # a retried start after the job ended adopts it instead of starting a second failback
    assert _start(env, option="during-failover") == {
        "jobId": job_id,
        "adopted": True,
        "state": "Succeeded",
        "dataSyncOption": "ForSynchronization",
    }

    committed = commit(env.payload(item=WEB01), env.settings)
    assert commit(env.payload(item=WEB01), env.settings) == {**committed, "adopted": True}
    _until(env, committed["jobId"], lambda s: s["state"] == "Succeeded")
    assert commit(env.payload(item=WEB01), env.settings)["jobId"] == committed["jobId"]
    assert read_item(env.payload(item=WEB01), env.settings)["protectionState"] == "RestoreFinalized"

    reprotect = reverse(env.payload(item=WEB01), env.settings)
    assert reverse(env.payload(item=WEB01), env.settings) == {**reprotect, "adopted": True}
    _until(env, reprotect["jobId"], lambda s: s["state"] == "Succeeded")
    facts = read_item(env.payload(item=WEB01), env.settings)
    # R9/R10: the reprotect job ends with the initial replication still running
    assert facts["protectionState"] == "InitialReplicationInProgress" and facts["activeLocation"] == "Primary"
    assert facts["rpoSeconds"] is None
    assert reverse(env.payload(item=WEB01), env.settings)["jobId"] == reprotect["jobId"]

    scenarios = sorted(j["scenarioName"] for j in env.jobs() if j["scenarioName"] != "IrCompletion")
    assert scenarios == ["CommitFailover", "PlannedFailover", "ReprotectReplicationGroup"]
    assert env.sim.control.invariants() == []


def test_commit_before_the_failback_is_refused(env):
    with pytest.raises(FailbackError) as info:
        commit(env.payload(item=WEB01), env.settings)
    assert info.value.code == "OPERATION_NOT_ALLOWED"


def test_alternate_location_failback_lands_on_the_named_host_H9(env):
    job_id = _start(env, location="alternate", targetHost="hv02.contoso.local", createVmIfNotFound=True)[
        "jobId"
    ]
    _until(env, job_id, lambda s: s["state"] == "Suspended")
    resume(env.payload(jobId=job_id, comments="go"), env.settings)
    _until(env, job_id, lambda s: s["state"] == "Succeeded")
    facts = read_item(env.payload(item=WEB01), env.settings)
    assert facts["providerId"].endswith("/replicationRecoveryServicesProviders/hv-host-02")


def test_unknown_alternate_host_is_refused_before_anything_starts(env):
    with pytest.raises(FailbackError) as info:
        _start(env, location="alternate", targetHost="hv77")
    assert info.value.code == "TARGET_HOST_NOT_FOUND"
    assert env.jobs() == []


def test_another_operation_in_progress_is_not_adopted(env):
    job_id = _start(env)["jobId"]
    with pytest.raises(FailbackError) as info:
        commit(env.payload(item=WEB01), env.settings)
    assert info.value.code == "SCENARIO_IN_PROGRESS"
    assert job_id in info.value.message


def test_a_failed_job_reports_its_error(env):
    env.sim.control.fault(kind="job_failure", task="StartVmOnPrimary", vm="web01")
    job_id = _start(env, option="during-failover")["jobId"]
    failed = _until(env, job_id, lambda s: s["state"] in ("Failed", "Succeeded"))
    assert failed["state"] == "Failed"
    assert failed["errors"] and failed["errors"][0]["message"]


def test_activity_logs_are_structured_with_run_id_phase_and_job_id(env, caplog):
    caplog.set_level("INFO", logger="failback.activities")
    started = _start(env, runId="fb-vault-dr-rpi-web01-20260110090000", phase="sync")
    records = [r for r in caplog.records if r.name == "failback.activities"]
    assert records, "no activity log line"
    last = records[-1]
    assert (last.runId, last.phase, last.jobId) == (
        "fb-vault-dr-rpi-web01-20260110090000",
        "sync",
        started["jobId"],
    )
