"""Job activities under the simulator's variants of unrecorded behaviour (G1, G3) and recorded facts
that changed what "done" and "ours" mean (R5, R55): cancel waits through Cancelling, resume follows
the job that goes on, a commit is adopted only when it started after our failback."""

from collections.abc import Iterator

import pytest

from activities.items import read_item
from activities.jobs import cancel, read, resume
from activities.operations import commit, reverse, start
from domain.errors import FailbackError

WEB01 = {"fabric": "site-hq", "container": "hq-container", "name": "rpi-web01"}


@pytest.fixture
def profiled(env) -> Iterator:
    def use(name):
        env.sim.control.reset("default", profile=name)

    yield use
    env.sim.control.reset("default", profile="recorded")


def _job(env, job_id):
    return read(env.payload(jobId=job_id), env.settings)


def _until(env, job_id, done, step=60):
    env.advance_until(lambda: done(_job(env, job_id)), step=step)
    return _job(env, job_id)


def _start(env, option):
    return start(env.payload(item=WEB01, dataSyncOption=option, location="original"), env.settings)["jobId"]


def test_G1_a_job_waiting_in_progress_is_cancelled_once_phase_1_is_done_never_before_H10_R55(env, profiled):
    profiled("wait-inprogress")
    job_id = _start(env, "before-failover")
    env.advance(45)  # sync phase 1 runs
    with pytest.raises(FailbackError) as refused:
        cancel(env.payload(jobId=job_id), env.settings)
    assert refused.value.code == "CANCEL_REFUSED_DATA_SYNC"
    waiting = _until(env, job_id, lambda s: s["waitingForAction"])
    assert waiting["state"] == "InProgress" and "Resume" in waiting["allowedActions"]
    assert cancel(env.payload(jobId=job_id), env.settings)["state"] == "Cancelling"
    assert _until(env, job_id, lambda s: s["state"] == "Cancelled")["state"] == "Cancelled"
    facts = read_item(env.payload(item=WEB01), env.settings)
    assert facts["activeLocation"] == "Recovery" and "Failback" in facts["allowedOperations"]
    assert env.sim.control.invariants() == []


def test_G3_resume_returns_the_job_that_goes_on_and_a_retry_adopts_it(env, profiled):
    profiled("new-job-ids")
    job_id = _start(env, "before-failover")
    _until(env, job_id, lambda s: s["waitingForAction"])
    first = resume(env.payload(jobId=job_id, comments="approved", item=WEB01), env.settings)
    assert first["jobId"] != job_id and first["adopted"] is False
    again = resume(env.payload(jobId=job_id, comments="approved", item=WEB01), env.settings)
    assert again["jobId"] == first["jobId"] and again["adopted"] is True
    assert (
        _until(env, first["jobId"], lambda s: s["state"] == "Succeeded")["scenarioName"] == "PlannedFailover"
    )


def test_R5_commit_from_finalize_failback_and_only_a_commit_after_our_failback_is_adopted(env):
    failback = _start(env, "during-failover")
    _until(env, failback, lambda s: s["state"] == "Succeeded")
    facts = read_item(env.payload(item=WEB01), env.settings)
    assert facts["allowedOperations"] == ["DisableProtection", "FinalizeFailback"]
    committed = commit(env.payload(item=WEB01, afterJobId=failback), env.settings)
    assert committed["adopted"] is False
    _until(env, committed["jobId"], lambda s: s["state"] == "Succeeded")
    # a retry after the commit ended adopts it: it started after our failback
    retried = commit(env.payload(item=WEB01, afterJobId=failback), env.settings)
    assert retried["jobId"] == committed["jobId"] and retried["adopted"] is True
    # a commit that started before the given failback job is someone else's: never adopted
    env.advance(60)
    reprotect = reverse(env.payload(item=WEB01), env.settings)
    _until(env, reprotect["jobId"], lambda s: s["state"] == "Succeeded")
    with pytest.raises(FailbackError) as refused:
        commit(env.payload(item=WEB01, afterJobId=reprotect["jobId"]), env.settings)
    assert refused.value.code == "OPERATION_NOT_ALLOWED"


def test_H10_a_job_whose_tasks_asr_does_not_show_is_not_cancelled_and_the_refusal_says_why():
    from activities.jobs import _refusal

    snap = {
        "jobId": "job-1",
        "state": "InProgress",
        "allowedActions": ["Cancel"],
        "tasks": [],
        "dataSyncInProgress": False,
        "waitingForAction": False,
    }
    refusal = _refusal(snap)
    assert refusal is not None and refusal.code == "CANCEL_REFUSED_DATA_SYNC"
    assert "cannot be told whether data is synchronizing" in refusal.message
