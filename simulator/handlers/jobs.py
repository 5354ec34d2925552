"""Replication jobs: list (``$filter``), get, resume, cancel, restart."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from simulator.errors import conflict
from simulator.handlers.paging import page
from simulator.lro import accepted
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
    if key in ("status", "jobstatus", "state"):
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
        return lambda job: compare(str(job.target.name).lower(), value.lower())
    return None  # unknown property: ignored, like text the simulator does not understand


def job_filter(text: str) -> Callable[[Job], bool]:
    """A predicate for an OData-ish job ``$filter`` (clauses joined by ``and``; unknown text ignored)."""
    tests = []
    for part in re.split(r"\s+and\s+", text or "", flags=re.IGNORECASE):
        match = _CLAUSE.match(part)
        if match:
            test = _clause(*match.groups())
            if test is not None:
                tests.append(test)
    return lambda job: all(test(job) for test in tests)


@route("GET", VAULT + r"/replicationjobs", name="jobs.list")
def list_jobs(req: Request) -> Response:
    """GET replicationJobs, newest first, ``tasks`` empty as the service answers."""
    now = req.world.now()
    keep = job_filter(req.query.get("$filter", ""))
    jobs = sorted((j for j in req.world.jobs.values() if keep(j)), key=lambda j: j.start_time, reverse=True)
    return page(req, [j.to_arm(now, with_tasks=False) for j in jobs])


@route("GET", JOB, name="jobs.get")
def get_job(req: Request) -> Response:
    """GET one job with its tasks."""
    return Response(200, req.world.job(req.params["job"]).to_arm(req.world.now()))


@route("POST", JOB + r"/resume", name="jobs.resume")
def resume_job(req: Request) -> Response:
    """POST resume: a suspended job continues (same job id); the LRO follows that job."""
    world = req.world
    job = world.job(req.params["job"])
    if job.state != "Suspended":
        raise conflict(
            f"The job '{job.name}' cannot be resumed: it is in state '{job.state}', not Suspended.",
            code="JobNotSuspended",
        )
    body = req.json() or {}
    comments = (body.get("properties") or {}).get("comments") if isinstance(body, dict) else None
    job.resume(world.now(), comments)
    return accepted(req, job, job.arm_id)


@route("POST", JOB + r"/cancel", name="jobs.cancel")
def cancel_job(req: Request) -> Response:
    """POST cancel: done at once; answers 200 with the cancelled job."""
    world = req.world
    job = world.job(req.params["job"])
    if not job.active:
        raise conflict(
            f"The job '{job.name}' cannot be cancelled: it is in state '{job.state}'.",
            code="JobNotCancellable",
        )
    job.cancel(world.now())
    return Response(200, job.to_arm(world.now()))


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
    return accepted(req, new_job, new_job.arm_id)
