"""Replication jobs: list (``$filter``), get, resume, cancel, restart."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from simulator.errors import bad_request, conflict
from simulator.handlers.paging import page
from simulator.lro import CANCEL, accepted
from simulator.models.base import parse_time
from simulator.models.jobs import Job
from simulator.routes import VAULT, Request, Response, route

JOB = VAULT + r"/replicationjobs/(?P<job>[^/]+)"
_CLAUSE = re.compile(r"^\s*\(?\s*(\w+)\s+(eq|ne|ge|gt|le|lt)\s+'?([^']*?)'?\s*\)?\s*$", re.IGNORECASE)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "ge": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "le": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
}


def _clause(name: str, op: str, value: str) -> Callable[[Job], bool] | None:
    compare = _COMPARE[op.lower()]
    key = name.lower()
    if key in ("starttime", "endtime"):
        when = parse_time(value)

        def by_time(job: Job) -> bool:
            moment = job.start_time if key == "starttime" else job.end_time
            return moment is not None and compare(moment, when)

        return by_time
    if key in ("status", "jobstatus", "state", "jobstatustype"):
        return lambda job: compare(job.state.lower(), value.lower())
    if key == "affectedobjecttypes":
        return lambda job: (
            compare(job.target.target_instance_type.lower(), value.lower())
            or compare(str(getattr(job.target, "protected_item_type", "")).lower(), value.lower())
        )
    if key in ("jobname", "scenarioname"):
        return lambda job: compare(job.scenario_name.lower(), value.lower())
    if key == "fabricid":
        return lambda job: compare(
            str(getattr(getattr(job.target, "fabric", None), "arm_id", "")).lower(), value.lower()
        )
    if key == "targetobjectid":
        return lambda job: compare(job.target_object_id.lower(), value.lower())
    return None  # unknown property: ignored, like text the simulator does not understand


#: G7 ``strict``: the property names of the SDK's ``JobQueryParameter`` (lower case).
STRICT_NAMES = ("starttime", "endtime", "fabricid", "affectedobjecttypes", "jobname", "jobstatustype")


def job_filter(text: str, strict: bool = False) -> Callable[[Job], bool]:
    """A predicate for an OData-ish job ``$filter`` (clauses joined by ``and``).

    Lenient (G7 default): unknown text is ignored. Strict: a clause that does not parse or names a
    property ``JobQueryParameter`` does not have is a 400 ``InvalidFilter``.
    """
    tests = []
    for part in re.split(r"\s+and\s+", text or "", flags=re.IGNORECASE):
        if not part.strip():
            continue
        match = _CLAUSE.match(part)
        if strict and (match is None or match.group(1).lower() not in STRICT_NAMES):
            raise bad_request(f"The filter clause '{part.strip()}' is not valid.", code="InvalidFilter")
        if match:
            test = _clause(*match.groups())
            if test is not None:
                tests.append(test)
    return lambda job: all(test(job) for test in tests)


@route("GET", VAULT + r"/replicationjobs", name="jobs.list")
def list_jobs(req: Request) -> Response:
    """GET replicationJobs, newest first, ``tasks`` empty as the service answers."""
    now = req.world.now()
    keep = job_filter(req.query.get("$filter", ""), strict=req.world.profile.job_filter == "strict")
    jobs = sorted((j for j in req.world.jobs.values() if keep(j)), key=lambda j: j.start_time, reverse=True)
    return page(req, [j.to_arm(now, with_tasks=False) for j in jobs])


@route("GET", JOB, name="jobs.get")
def get_job(req: Request) -> Response:
    """GET one job with its tasks."""
    return Response(200, req.world.job(req.params["job"]).to_arm(req.world.now()))


@route("POST", JOB + r"/resume", name="jobs.resume")
def resume_job(req: Request) -> Response:
    """POST resume: the job waiting on its manual task goes on; the LRO (an id of its own) follows it.

    G3: under ``resume_job=new`` the work goes on in a new job, which the LRO then follows.
    """
    world = req.world
    job = world.job(req.params["job"])
    if not job.waiting_for_action:
        raise conflict(
            f"The job '{job.name}' cannot be resumed: it is in state '{job.state}', not Suspended.",
            code="JobNotSuspended",
        )
    body = req.json() or {}
    comments = (body.get("properties") or {}).get("comments") if isinstance(body, dict) else None
    going_on = job.resume(world.now(), comments)
    return accepted(req, going_on, going_on.arm_id, own_id=True)


@route("POST", JOB + r"/cancel", name="jobs.cancel")
def cancel_job(req: Request) -> Response:
    """POST cancel: long-running (R55/R56): 202, the job reads ``Cancelling`` then ``Cancelled``.

    The cancel's operation id is not the job's name (R56); its status succeeds once the job is
    ``Cancelled``.
    """
    world = req.world
    job = world.job(req.params["job"])
    if not job.active or job.state == "Cancelling":
        raise conflict(
            f"The job '{job.name}' cannot be cancelled: it is in state '{job.state}'.",
            code="JobNotCancellable",
        )
    job.cancel(world.now())
    return accepted(req, job, job.arm_id, kind=CANCEL)


@route("POST", JOB + r"/restart", name="jobs.restart")
def restart_job(req: Request) -> Response:
    """POST restart: a failed job's operation runs again as a new job."""
    world = req.world
    job = world.job(req.params["job"])
    if "Restart" not in job.allowed_actions():
        raise conflict(
            f"The job '{job.name}' cannot be restarted: it is in state '{job.state}'.",
            code="JobNotRestartable",
        )
    new_job = job.target.restart(job)
    job.restarted_as = new_job.name
    return accepted(req, new_job, new_job.arm_id, own_id=True)
