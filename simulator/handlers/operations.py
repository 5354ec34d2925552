"""LRO polling endpoints: ``replicationOperationStatus/{id}`` and ``{resource}/operationresults/{id}``."""

from __future__ import annotations

from typing import Any

from simulator.errors import not_found
from simulator.lro import CANCEL, status_headers
from simulator.models.jobs import Job
from simulator.models.world import World
from simulator.routes import API_VERSION, VAULT, Request, Response, route


def _operation(world: World, op: str) -> tuple[Job, str]:
    """The job behind an operation id (the job's name, or an id of its own: R21, R56) and its kind."""
    job = world.jobs.get(op.lower())
    if job is not None:
        return job, "job"
    found = world.operations.get(op.lower())
    if found is None:
        raise not_found("operation", op)
    return found


def _cancel_status(job: Job) -> dict[str, Any]:
    """R55: a cancel operation runs while the job reads ``Cancelling`` and succeeds once ``Cancelled``."""
    body = job.operation_status()
    if job.state == "Cancelled":
        body.update(status="Succeeded", error=None)
    elif not job.active:  # it ended otherwise before the cancel took effect
        error = {"code": "JobNotCancellable", "message": f"The job ended {job.state}."}
        body.update(status="Failed", error=error)
    return body


@route("GET", VAULT + r"/replicationoperationstatus/(?P<op>[^/]+)", name="operations.status")
def operation_status(req: Request) -> Response:
    """Status of the operation = its job (``Suspended`` reads ``InProgress``); ``name`` is the job (R21)."""
    job, kind = _operation(req.world, req.params["op"])
    body = _cancel_status(job) if kind == CANCEL else job.operation_status()
    return Response(200, body, status_headers(req, job))


def resolve(world: World, arm_id: str) -> Any:
    """The object whose ARM id is ``arm_id`` (item, job, plan, provider), or None."""
    key = arm_id.lower()
    candidates: list[Any] = [*world.items.values(), *world.jobs.values(), *world.recovery_plans.values()]
    for fabric in world.fabrics.values():
        candidates += list(fabric.providers.values())
    for obj in candidates:
        if str(getattr(obj, "arm_id", "")).lower() == key:
            return obj
    return None


@route("GET", VAULT + r"(?P<rest>/.+)?/operationresults/(?P<op>[^/]+)", name="operations.result")
def operation_result(req: Request) -> Response:
    """202 while the job runs; then 200 with the final resource (204 if it is gone)."""
    world = req.world
    job, _kind = _operation(world, req.params["op"])
    if job.active:
        location = f"{req.base_url}{req.path}?api-version={API_VERSION}"
        return Response(202, None, {"Location": location, **status_headers(req)})
    resource_id = req.path.rsplit("/operationresults/", 1)[0]
    target = resolve(world, resource_id)
    if target is None:
        return Response(204, None)
    final = getattr(target, "operation_result", None)
    if final is not None:  # R23/G6: a plan answers 200 with its body or 204, by profile
        status, body = final(world.now())
        return Response(status, body)
    return Response(200, target.to_arm(world.now()))
