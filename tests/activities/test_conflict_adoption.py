"""An ASR-changing activity whose POST lands but is answered 409 adopts the job it started (H1, W1).

The simulator's ``after`` fault handles the request and only then replaces its answer: the
operation began (by us or by someone between our read and our POST), the client hears a
conflict. The activity must re-read and adopt the job, never fail the run or start a second one.
"""

from activities.jobs import cancel, read, resume
from activities.operations import start
from activities.plan_operations import failover as plan_failover

WEB01 = {"fabric": "site-hq", "container": "hq-container", "name": "rpi-web01"}


def _conflict_after(env, path: str) -> None:
    env.sim.control.fault(
        kind="status",
        status=409,
        code="OperationInProgress",
        message="Another operation is in progress on this object.",
        method="POST",
        path=path,
        after=True,
        count=1,
    )


def test_plan_failover_answered_409_after_it_started_adopts_the_plans_job_H1(env):
    _conflict_after(env, "replicationRecoveryPlans/rp-hyperv/plannedFailover$")
    result = plan_failover(
        env.payload(plan="rp-hyperv", family="hyperv", dataSyncOption="ForDownTime"), env.settings
    )
    assert result["adopted"] is True
    jobs = env.jobs()
    assert [j["name"] for j in jobs] == [result["jobId"]]
    assert read(env.payload(jobId=result["jobId"]), env.settings)["scenarioName"] == "PlannedFailover"


def test_resume_answered_409_after_the_job_resumed_adopts_it_H5(env):
    job_id = start(
        env.payload(item=WEB01, dataSyncOption="before-failover", location="original"), env.settings
    )["jobId"]
    env.advance_until(lambda: read(env.payload(jobId=job_id), env.settings)["state"] == "Suspended")
    _conflict_after(env, "/resume$")
    result = resume(env.payload(jobId=job_id, comments="approved by ops@contoso.com"), env.settings)
    assert result["jobId"] == job_id and result["adopted"] is True
    assert result["state"] != "Suspended"
    assert len(env.jobs()) == 1


def test_cancel_answered_409_after_the_job_was_cancelled_adopts_the_cancel_H10(env):
    job_id = start(
        env.payload(item=WEB01, dataSyncOption="before-failover", location="original"), env.settings
    )["jobId"]
    env.advance_until(lambda: read(env.payload(jobId=job_id), env.settings)["state"] == "Suspended")
    _conflict_after(env, "/cancel$")
    result = cancel(env.payload(jobId=job_id), env.settings)
    assert result["jobId"] == job_id and result["adopted"] is True
    # R55: a cancel is long-running; the job reads Cancelling until it is Cancelled
    assert result["state"] in ("Cancelling", "Cancelled", "Canceled")
