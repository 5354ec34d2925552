"""Long-running operations as ASR answers them (reference §1.2/§1.3).

A mutating POST answers ``202`` with an empty body and ``Location``
(``{resource}/operationresults/{jobId}``), ``Azure-AsyncOperation``
(``{vault}/replicationOperationStatus/{jobId}``), ``Retry-After`` and ``x-ms-request-id``
(the job's ARM id), all pointing at this server. The operation id is the ASR job name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.routes import API_VERSION, Request, Response

if TYPE_CHECKING:
    from simulator.models.jobs import Job


def accepted(request: Request, job: Job, resource_uri: str) -> Response:
    """The 202 answer of an operation that runs as ``job`` and ends with ``resource_uri``'s body."""
    world = request.world
    base = request.base_url
    return Response(
        202,
        None,
        {
            "Location": f"{base}{resource_uri}/operationresults/{job.name}?api-version={API_VERSION}",
            "Azure-AsyncOperation": f"{base}{world.vault_id}/replicationOperationStatus/{job.name}"
            f"?api-version={API_VERSION}",
            "Retry-After": str(request.app.settings.initial_retry_after),
            "x-ms-request-id": job.arm_id,
        },
    )


def status_headers(request: Request) -> dict[str, str]:
    """Headers of a status poll answer.

    ``Retry-After`` keeps SDK polling quick; 0 means no header, so the client's own
    ``polling_interval`` applies.
    """
    seconds = request.app.settings.poll_retry_after
    return {"Retry-After": str(seconds)} if seconds > 0 else {}
