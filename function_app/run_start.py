"""Start one failback run per item (W3): the orchestration input and the claim.

``start_run`` is what the alert route calls; ``POST /api/failbacks`` validates first and calls
``start_request``. Both go through ``function_app.run_claim``: the item's run in progress is
returned instead of a second one.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import azure.durable_functions as df
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Rs

from clients.settings import get_settings
from domain.callback_seal import seal_callback
from domain.contracts import RunInput
from domain.request import FailbackRequest, parse_failback_request
from domain.run_names import AZURE_WAIT_FIRST_TRY, DECISIONS_BY_GATES
from domain.run_names import FAILBACK_ORCHESTRATOR as ORCHESTRATOR
from function_app.run_claim import claim_run
from function_app.run_lookup import RUNNING, wait_for
from notifications.links import keyring

log = logging.getLogger(__name__)

#: A dry run answers 200 with the plan if pre-flight finishes within this many seconds.
DRY_RUN_WAIT_SECONDS = 20.0


def run_input_of(
    request: FailbackRequest, instance_id: str, initiator: str, live_jobs: dict[str, str] | None = None
) -> RunInput:
    """The orchestration input: the request with its callback URL sealed (no secret in history).

    A Logic App callback URL carries a signature (``sig=``); the input keeps only the sealed
    blob and the host (``domain.callback_seal``), which the ``post_callback`` activity opens.
    ``live_jobs`` (``run_holders.jobs_of``) goes into the request as ``liveRunJobs``.
    """
    request_dict = request.to_dict()
    if live_jobs:
        request_dict["liveRunJobs"] = dict(live_jobs)
    run_input: RunInput = {"runId": instance_id, "request": request_dict, "initiator": initiator}
    run_input["decisions"] = DECISIONS_BY_GATES  # decisions are gates (runs without it: legacy holds)
    run_input["azureWait"] = AZURE_WAIT_FIRST_TRY  # visible from the first failed try after the shutdown
    if request.callback_url:
        request_dict["callbackUrl"] = None
        sealed = seal_callback(keyring(get_settings()), request.callback_url, instance_id)
        run_input["callback"] = cast(Any, sealed.to_dict())
    return run_input


async def start_request(
    client: df.DurableOrchestrationClient, request: FailbackRequest, initiator: str
) -> tuple[str, bool]:
    """Start the run of a valid request's item, or find the run holding it (``function_app.run_claim``).

    Returns:
        ``(instance_id, started)``; ``started`` is False when an existing run is returned.

    Raises:
        ItemHeldError: a member of a plan or waves request is held by another run.
        ResolveUnavailableError: ASR could not be read (nothing started).
    """
    instance_id, started = await claim_run(
        client,
        ORCHESTRATOR,
        request,
        lambda run_id, jobs: run_input_of(request, run_id, initiator, jobs),
    )
    if started:
        log.info("failback run %s started by %s", instance_id, initiator, extra={"runId": instance_id})
    return instance_id, started


async def start_run(
    client: df.DurableOrchestrationClient, body: dict[str, Any], initiator: str
) -> tuple[str, bool]:
    """Validate a request body and start its run, or find the item's run in progress.

    Returns:
        ``(instance_id, started)``; ``started`` is False when an existing run is returned.

    Raises:
        RequestInvalid: with every reason, for a bad body.
    """
    request = parse_failback_request(body, local_mode=get_settings().local_mode)
    return await start_request(client, request, initiator)


async def dry_run_report(client: df.DurableOrchestrationClient, instance_id: str) -> dict[str, Any] | None:
    """The report of a dry run that ends within ``DRY_RUN_WAIT_SECONDS``; None if it does not."""
    status = await wait_for(
        client, instance_id, lambda s: s.runtime_status not in RUNNING, DRY_RUN_WAIT_SECONDS
    )
    if status and status.runtime_status == Rs.Completed and isinstance(status.output, dict):
        return status.output
    return None
