"""``GET /api/runs/{id}/status?exp=&sig=``: a run's status for pollers that send no key (W3).

Anonymous at the host; the signature (``domain.status_links``) is the credential. It grants
reading one run's status only, until ``exp``: the same JSON and the same ``202`` +
``Retry-After`` (while running) / ``200`` (ended) as ``GET /api/failbacks/{id}``, and every
``202`` carries a fresh signed ``Location``. A missing, malformed or expired link is ``401``,
a tampered one ``403`` (``application/problem+json``, nothing about the run).
"""

from __future__ import annotations

from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func

from domain.i18n import N_
from domain.status_links import LinkFailure, verify_status
from function_app.problem import language, problem
from function_app.responses import json_response
from function_app.run_lookup import RUNNING, custom_status, get_run, job_steps
from function_app.run_view import live_progress, run_view
from function_app.status_links import RETRY_AFTER_SECONDS, STATUS_ROUTE, signed_status_url, signing_ring

bp = df.Blueprint()

#: Headers of every answer: the URL is a credential; never cache it or pass it on.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_REFUSALS: dict[LinkFailure, tuple[int, str, str]] = {
    LinkFailure.MALFORMED: (
        401,
        N_("Status link incomplete"),
        N_("Follow the Location of the last 202 answer."),
    ),
    LinkFailure.EXPIRED: (401, N_("Status link expired"), N_("Follow the Location of the last 202 answer.")),
    LinkFailure.FORGED: (403, N_("Status link not genuine"), N_("The link's signature does not match.")),
}


@bp.route(route=STATUS_ROUTE, methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def signed_run_status(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """A run's status for a holder of its signed link: 202 + Retry-After + Location, or 200."""
    instance_id = req.route_params.get("id", "")
    ring = signing_ring()
    failure = (
        LinkFailure.FORGED
        if ring is None
        else verify_status(ring, instance_id, req.params.get("exp"), req.params.get("sig"), datetime.now(UTC))
    )
    if failure is not None:
        status_code, title, detail = _REFUSALS[failure]
        return problem(
            status_code,
            title,
            detail,
            code=f"STATUS_LINK_{failure.name}",
            headers=NO_STORE,
            lang=language(req),
        )
    status = await get_run(client, instance_id)
    if status is None:  # only a link we signed gets here: the run's history was purged
        return problem(
            404,
            N_("Unknown failback run"),
            N_("The run's history is gone."),
            headers=NO_STORE,
            lang=language(req),
        )
    custom = custom_status(status)
    running = status.runtime_status in RUNNING
    progress = await live_progress(client, custom) if running else custom.get("progress")
    view = run_view(status, custom, progress)
    view["asrJobs"] = await job_steps(client, instance_id)
    if running or status.runtime_status == df.OrchestrationRuntimeStatus.Suspended:
        headers = {
            **NO_STORE,
            "Location": signed_status_url(req, instance_id),
            "Retry-After": str(RETRY_AFTER_SECONDS),
        }
        return json_response(view, 202, headers)
    return json_response(view, 200, dict(NO_STORE))
