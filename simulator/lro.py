"""Long-running operations as ASR answers them (reference §1.2/§1.3, RECORDED R13-R17, R21, R55/R56).

A mutating POST answers ``202`` with an empty body and ``Location``
(``{resource}/operationresults/{operationId}``), ``Azure-AsyncOperation``
(``{vault}/replicationOperationStatus/{operationId}``), ``Retry-After`` and ``x-ms-request-id``,
all pointing at this server. For item operations the operation id is the ASR job name (R15,
G4 ``job``); job actions (resume, cancel, restart: R56, G3) and, under G4 ``differs``, item
operations get an operation id of their own: the status body's ``name`` and the status answer's
``x-ms-request-id`` then name the real job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.models.base import new_guid
from simulator.routes import API_VERSION, Request, Response

if TYPE_CHECKING:
    from simulator.models.jobs import Job

#: What an operation id stands for: the job's own progress, or a cancel that succeeds once the
#: job reads ``Cancelled`` (R55).
FOLLOW_JOB = "job"
CANCEL = "cancel"


def accepted(
    request: Request, job: Job, resource_uri: str, *, own_id: bool = False, kind: str = FOLLOW_JOB
) -> Response:
    """The 202 answer of an operation that runs as ``job`` and ends with ``resource_uri``'s body.

    Args:
        request: the POST.
        job: the job that carries the operation.
        resource_uri: whose body ``operationresults`` answers once done.
        own_id: give the operation an id that is not the job's name (R21, R56, G4).
        kind: ``FOLLOW_JOB`` or ``CANCEL``.
    """
    world = request.world
    base = request.base_url
    if not job.activity_echoed:
        # R36: "<x-ms-client-request-id of the POST> ActivityId: <correlation id of the POST>"
        job.activity_echoed = True
        client_id = request.header("x-ms-client-request-id") or new_guid()
        correlation = request.header("x-ms-correlation-request-id") or new_guid()
        job.activity_id = f"{client_id} ActivityId: {correlation}"
    operation_id = job.name
    if own_id or kind != FOLLOW_JOB:
        operation_id = new_guid()
        world.operations[operation_id.lower()] = (job, kind)
    return Response(
        202,
        None,
        {
            "Location": f"{base}{resource_uri}/operationresults/{operation_id}?api-version={API_VERSION}",
            "Azure-AsyncOperation": f"{base}{world.vault_id}/replicationOperationStatus/{operation_id}"
            f"?api-version={API_VERSION}",
            "Retry-After": str(request.app.settings.initial_retry_after),
            # R21: the 202's own x-ms-request-id names the operation id
            "x-ms-request-id": job.arm_id if operation_id == job.name else operation_id,
        },
    )


def status_headers(request: Request, job: Job | None = None) -> dict[str, str]:
    """Headers of a status poll answer.

    R17: the service sends no ``Retry-After`` there (the default, ``poll_retry_after`` 0); tests
    may set one. ``x-ms-request-id`` is the job's ARM id (R17, R21).
    """
    seconds = request.app.settings.poll_retry_after
    headers = {"Retry-After": str(seconds)} if seconds > 0 else {}
    if job is not None:
        headers["x-ms-request-id"] = job.arm_id
    return headers
