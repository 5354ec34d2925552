"""Recovery plans: list, get, planned/unplanned failover, commit, cancel, re-protect.

R21: a plan operation's LRO id is not its job's name; the status body names the job.
"""

from __future__ import annotations

from simulator.handlers.paging import page
from simulator.lro import accepted
from simulator.models.recovery_plans import plan_by_name
from simulator.routes import VAULT, Request, Response, route

PLAN = VAULT + r"/replicationrecoveryplans/(?P<plan>[^/]+)"


@route("GET", VAULT + r"/replicationrecoveryplans", name="plans.list")
def list_plans(req: Request) -> Response:
    """GET replicationRecoveryPlans."""
    now = req.world.now()
    return page(req, [plan.to_arm(now) for plan in req.world.recovery_plans.values()])


@route("GET", PLAN, name="plans.get")
def get_plan(req: Request) -> Response:
    """GET one recovery plan."""
    return Response(200, plan_by_name(req.world, req.params["plan"]).to_arm(req.world.now()))


@route("POST", PLAN + r"/plannedfailover", name="plans.planned_failover")
def planned_failover(req: Request) -> Response:
    """POST plannedFailover (failback: RecoveryToPrimary with one input per replication provider)."""
    plan = plan_by_name(req.world, req.params["plan"])
    return accepted(req, plan.planned_failover(req.json_object()), plan.arm_id, own_id=True)  # R21


@route("POST", PLAN + r"/unplannedfailover", name="plans.unplanned_failover")
def unplanned_failover(req: Request) -> Response:
    """POST unplannedFailover (classic VMware plan failback)."""
    plan = plan_by_name(req.world, req.params["plan"])
    return accepted(req, plan.unplanned_failover(req.json_object()), plan.arm_id, own_id=True)  # R21


@route("POST", PLAN + r"/failovercommit", name="plans.failover_commit")
def failover_commit(req: Request) -> Response:
    """POST failoverCommit (no body)."""
    plan = plan_by_name(req.world, req.params["plan"])
    return accepted(req, plan.failover_commit(), plan.arm_id, own_id=True)  # R21


@route("POST", PLAN + r"/failovercancel", name="plans.failover_cancel")
def failover_cancel(req: Request) -> Response:
    """POST failoverCancel (no body)."""
    plan = plan_by_name(req.world, req.params["plan"])
    return accepted(req, plan.failover_cancel(), plan.arm_id, own_id=True)  # R21


@route("POST", PLAN + r"/reprotect", name="plans.reprotect")
def reprotect(req: Request) -> Response:
    """POST reProtect (empty body, R28); refused under profile ``plan_reprotect: refused`` (G12)."""
    plan = plan_by_name(req.world, req.params["plan"])
    return accepted(req, plan.reprotect(), plan.arm_id, own_id=True)  # R21
