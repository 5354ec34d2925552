"""The failback HTTP API (W3): start a run, follow it, cancel it, decide after verification.

- ``POST /api/failbacks`` — validate (``domain.request``; 400 ``application/problem+json``
  with every reason), then start ``failback_orchestrator`` — or, if the item already has a
  run in progress, answer with that run. 202 + ``Location`` + ``Retry-After`` (Logic Apps
  poll the Location until 200). A dry run answers 200 with the plan when pre-flight ends
  within a few seconds.
- ``GET /api/failbacks/{id}`` — phase, progress (merged from the job-wait sub-orchestrator),
  timeline, report; 202 while running, 200 when finished, 404 for an unknown run.
- ``POST /api/failbacks/{id}/cancel`` — raises ``CancelRequest``; the orchestrator answers
  (H10: refused while data synchronizes). Waits briefly for that answer.
- ``POST /api/failbacks/{id}/verification`` — ``function_app.verification_route``.

The initiator is the signed-in caller (App Service Authentication headers,
``domain.approvals_identity.caller``); in Azure never the body, so a request asking for
four-eyes without a signed-in caller is refused (401). Locally the body's ``initiator``/``by``
may name the caller, else ``anonymous``. Bodies never carry Durable system URLs or keys.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import azure.durable_functions as df
import azure.functions as func
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Rs

from clients.settings import get_settings
from domain import phases
from domain.approvals_identity import caller
from domain.callback_seal import seal_callback
from domain.errors import RequestInvalid
from domain.i18n import N_
from domain.request import FailbackRequest, parse_failback_request, window_problems
from domain.run_names import (
    APPROVAL_EVENT,
    CANCEL_EVENT,
    GATE_SWITCHOVER,
    GATE_WINDOW,
    WAVES_PHASE,
    gate_instance_id,
)
from domain.run_names import FAILBACK_ORCHESTRATOR as ORCHESTRATOR
from function_app.json_body import read_json_object
from function_app.problem import language, problem, unknown_run
from function_app.responses import html_response, json_response
from function_app.run_claim import ItemHeldError, ResolveUnavailableError, claim_run
from function_app.run_lookup import (
    RUNNING,
    custom_status,
    get_run,
    job_steps,
    wait_for,
)
from function_app.status_links import signed_status_url
from function_app.status_pages import auth_query, language_of, render_status_page, wants_html
from notifications.links import keyring
from orchestrators.safety import cancel_verdict

bp = df.Blueprint()
log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
#: A dry run answers 200 with the plan if pre-flight finishes within this many seconds.
DRY_RUN_WAIT_SECONDS = 20.0
#: The cancel endpoint waits this long for the orchestrator's answer.
CANCEL_ANSWER_SECONDS = 5.0
#: The initiator of a run nobody signed in for (a function key only).
ANONYMOUS = "anonymous"


# ------------------------------------------------------------------------ helpers


def _origin(req: func.HttpRequest) -> str:
    parts = urlsplit(req.url)
    return f"{parts.scheme}://{parts.netloc}"


def status_url(req: func.HttpRequest, instance_id: str) -> str:
    """Absolute URL of ``GET /api/failbacks/{id}`` on the host that received ``req``."""
    return f"{_origin(req)}/api/failbacks/{instance_id}"


def initiator_of(req: func.HttpRequest, body: dict[str, Any]) -> str:
    """The caller (``domain.approvals_identity.caller``): the signed-in identity, else ``anonymous``.

    In Azure only App Service Authentication names the caller; locally the body's ``initiator``/``by``.
    """
    return caller(dict(req.headers), body, local_mode=get_settings().local_mode) or ANONYMOUS


def _running_headers(req: func.HttpRequest, instance_id: str) -> dict[str, str]:
    # Location: a signed, short-lived status URL a Logic App can poll without the key (issue 13).
    return {"Location": signed_status_url(req, instance_id), "Retry-After": str(RETRY_AFTER_SECONDS)}


# ------------------------------------------------------------------------ POST /api/failbacks


def run_input_of(
    request: FailbackRequest, instance_id: str, initiator: str, live_jobs: dict[str, str] | None = None
) -> dict[str, Any]:
    """The orchestration input: the request with its callback URL sealed (no secret in history).

    A Logic App callback URL carries a signature (``sig=``); the input keeps only the sealed
    blob and the host (``domain.callback_seal``), which the ``post_callback`` activity opens.
    ``live_jobs`` (``run_claim.jobs_of``) goes into the request as ``liveRunJobs``.
    """
    request_dict = request.to_dict()
    if live_jobs:
        request_dict["liveRunJobs"] = dict(live_jobs)
    run_input: dict[str, Any] = {"runId": instance_id, "request": request_dict, "initiator": initiator}
    if request.callback_url:
        request_dict["callbackUrl"] = None
        sealed = seal_callback(keyring(get_settings()), request.callback_url, instance_id)
        run_input["callback"] = sealed.to_dict()
    return run_input


async def _start(
    client: df.DurableOrchestrationClient, request: FailbackRequest, initiator: str
) -> tuple[str, bool]:
    """Start the run of the item, or find the run holding it (``function_app.run_claim``)."""
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
    return await _start(client, request, initiator)


@bp.route(route="failbacks", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def start_failback_run(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Start a failback run (or return the item's run in progress)."""
    body = read_json_object(req)
    if isinstance(body, func.HttpResponse):
        return body
    initiator = initiator_of(req, body)
    request_body = {k: v for k, v in body.items() if k != "initiator"}
    try:
        request = parse_failback_request(request_body, local_mode=get_settings().local_mode)
    except RequestInvalid as invalid:
        return problem(
            400,
            N_("Invalid failback request"),
            N_("Fix every listed field."),
            errors=invalid.reasons,
            lang=language(req),
        )
    if request.approval.four_eyes and initiator == ANONYMOUS:  # nobody to keep from approving
        return problem(
            401,
            N_("Sign in to start a four-eyes failback"),
            N_(
                "fourEyes keeps the initiator from approving: call with an Entra ID token (App Service "
                "Authentication), not only a function key."
            ),
            lang=language(req),
            errors=["approval.fourEyes: the initiator must be a signed-in identity"],
        )
    warnings = window_problems(request.maintenance_window, datetime.now(UTC))
    if warnings and not request.dry_run:  # refused up front: the run could only end window-missed
        return problem(
            400,
            N_("The maintenance window has already ended"),
            warnings[0],
            errors=warnings,
            lang=language(req),
        )
    try:
        instance_id, started = await _start(client, request, initiator)
    except ItemHeldError as held:
        return problem(
            409,
            N_("A VM of this request is already being failed back"),
            str(held),
            lang=language(req),
            code="ITEM_HELD",
            runId=held.run_id,
            statusUrl=status_url(req, held.run_id),
        )
    except ResolveUnavailableError as unavailable:
        return problem(
            503,
            N_("Site Recovery could not be read"),
            N_("The item must be resolved in ASR before a run starts; retry. %(why)s"),
            lang=language(req),
            args={"why": str(unavailable)},
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    except Exception:
        return problem(
            503,
            N_("Could not start the run"),
            N_("The Durable host refused to start it; retry."),
            lang=language(req),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if not started:
        return json_response(
            {
                "id": instance_id,
                "statusUrl": status_url(req, instance_id),
                "existing": True,
                "message": "A failback of this item is already in progress; this is that run.",
            },
            202,
            _running_headers(req, instance_id),
        )
    if request.dry_run:
        status = await wait_for(
            client, instance_id, lambda s: s.runtime_status not in RUNNING, DRY_RUN_WAIT_SECONDS
        )
        if status and status.runtime_status == Rs.Completed and isinstance(status.output, dict):
            report = status.output
            return json_response(
                {
                    "id": instance_id,
                    "statusUrl": status_url(req, instance_id),
                    "outcome": report.get("outcome"),
                    "plan": report.get("plan"),
                    "preflight": report.get("preflight"),
                    "warnings": warnings + list((report.get("plan") or {}).get("warnings") or []),
                },
                200,
            )
    accepted: dict[str, Any] = {
        "id": instance_id,
        "statusUrl": status_url(req, instance_id),
        "existing": False,
    }
    if warnings:
        accepted["warnings"] = warnings
    return json_response(
        accepted,
        202,
        _running_headers(req, instance_id),
    )


# ------------------------------------------------------------------------ GET /api/failbacks/{id}


async def _live_progress(
    client: df.DurableOrchestrationClient, custom: dict[str, Any]
) -> dict[str, Any] | None:
    tracker = custom.get("tracker")
    if not tracker:
        return custom.get("progress")
    child = await client.get_status(str(tracker))
    progress = custom_status(child).get("progress") if child else None
    return progress or custom.get("progress")


def run_view(status: DurableOrchestrationStatus, custom: dict[str, Any], progress: Any) -> dict[str, Any]:
    """The JSON body of ``GET /api/failbacks/{id}``."""
    runtime = status.runtime_status.value if status.runtime_status else None
    output = status.output if isinstance(status.output, dict) else None
    view: dict[str, Any] = {
        "id": status.instance_id,
        "runtimeStatus": runtime,
        "phase": custom.get("phase"),
        "step": custom.get("step"),
        "awaiting": custom.get("awaiting"),
        "message": custom.get("message"),
        "jobId": custom.get("jobId"),
        "progress": progress,
        "cancel": custom.get("cancel"),
        "timeline": (output or {}).get("timeline") or custom.get("timeline") or [],
        "outcome": (output or {}).get("outcome"),
        "report": output,
        "createdTime": str(status.created_time) if status.created_time else None,
        "lastUpdatedTime": str(status.last_updated_time) if status.last_updated_time else None,
    }
    if status.runtime_status in (Rs.Failed, Rs.Terminated):
        view["error"] = status.output if isinstance(status.output, str) else json.dumps(status.output)
    return view


@bp.route(route="failbacks/{id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
async def get_failback_run(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Report a run: 202 + Retry-After while it runs, 200 when it has ended."""
    instance_id = req.route_params.get("id", "")
    status = await get_run(client, instance_id)
    if status is None:
        return unknown_run(instance_id, language(req))
    custom = custom_status(status)
    progress = (
        await _live_progress(client, custom) if status.runtime_status in RUNNING else custom.get("progress")
    )
    view = run_view(status, custom, progress)
    view["asrJobs"] = await job_steps(client, instance_id)
    running = status.runtime_status in RUNNING or status.runtime_status == Rs.Suspended
    if wants_html(req):  # a person's browser: the status dashboard (contracts §8)
        lang, nonce = language_of(req), secrets.token_urlsafe(12)
        page = render_status_page(view, lang, auth_query(req), nonce)
        return html_response(page, 200, nonce=nonce, lang=lang)
    if running:
        return json_response(view, 202, _running_headers(req, instance_id))
    return json_response(view, 200)


# ------------------------------------------------------------------------ POST .../cancel


async def request_cancel(
    client: df.DurableOrchestrationClient,
    instance_id: str,
    by: str,
    reason: str | None,
    wait_seconds: float = CANCEL_ANSWER_SECONDS,
    *,
    defer_if_refused: bool = False,
) -> dict[str, Any]:
    """Ask a run to cancel and wait briefly for the orchestrator's verdict (H10).

    Raises ``CancelRequest`` on the run and, while it awaits approval in a phase where a
    cancel is accepted, ``ApprovalDecision`` ``cancelled`` on the open gate (so the run does
    not wait for the gate's timeout).

    Args:
        client: the durable client.
        instance_id: the run.
        by: who asks.
        reason: why (shown in the timeline).
        wait_seconds: how long to wait for the run's answer (0: raise the events and return).
        defer_if_refused: a cancel refused because sync phase 1 is running is kept by the run and
            applied at its approval gate (alerts: the condition is over, the run should not go on).

    Returns:
        ``{requestId, accepted: True | False | None, code?, reason?}``; ``accepted`` is None
        when the run did not answer within ``wait_seconds``; ``code`` is
        ``UNKNOWN_RUN`` or ``RUN_ENDED`` when nothing was sent.
    """
    request_id = str(uuid.uuid4())
    status = await get_run(client, instance_id)
    if status is None:
        return {"requestId": request_id, "accepted": False, "code": "UNKNOWN_RUN", "reason": "No such run."}
    if status.runtime_status not in RUNNING:
        ended = status.runtime_status.value if status.runtime_status else "ended"
        return {
            "requestId": request_id,
            "accepted": False,
            "code": "RUN_ENDED",
            "reason": f"The run is {ended}.",
        }
    custom = custom_status(status)
    event = {"requestId": request_id, "by": by, "reason": reason, "deferIfRefused": defer_if_refused}
    await client.raise_event(instance_id, CANCEL_EVENT, event)
    phase = str(custom.get("phase") or "")
    # Every run publishes its open gate. A waves run always accepts a cancel there (it only stops
    # further starts); a single-VM run where its phase does (not at the verification gate).
    named_gate = custom.get("gate")
    waves = phase == WAVES_PHASE
    if custom.get("awaiting") == "approval" and (waves or cancel_verdict(phase).accepted):
        # a run that opened its gate before it published the gate: the gate follows the phase
        gate = str(named_gate or (GATE_WINDOW if phase == phases.WINDOW else GATE_SWITCHOVER))
        try:
            await client.raise_event(
                gate_instance_id(instance_id, gate),
                APPROVAL_EVENT,
                {"decision": "cancelled", "by": by, "comment": reason or "run cancelled", "gate": gate},
            )
        except Exception as exc:  # the status was read before the gate closed (decided just now)
            # Closing the gate is a courtesy so the run need not wait for its timeout; the run
            # itself already has the CancelRequest and answers it.
            log.info("gate %s of %s already closed: %s", gate, instance_id, exc)

    def answered(s: DurableOrchestrationStatus) -> bool:
        return (custom_status(s).get("cancel") or {}).get(
            "requestId"
        ) == request_id or s.runtime_status not in RUNNING

    if wait_seconds <= 0:
        return {"requestId": request_id, "accepted": None}
    final = await wait_for(client, instance_id, answered, wait_seconds)
    answer = custom_status(final).get("cancel") if final else None
    if not answer or answer.get("requestId") != request_id:
        return {"requestId": request_id, "accepted": None}
    return {
        "requestId": request_id,
        "accepted": bool(answer.get("accepted")),
        "code": answer.get("code"),
        "reason": answer.get("reason"),
    }


@bp.route(route="failbacks/{id}/cancel", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def cancel_failback_run(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Ask the run to cancel; the orchestrator decides (H10) and this answers with its verdict."""
    instance_id = req.route_params.get("id", "")
    body = read_json_object(req)
    if isinstance(body, func.HttpResponse):
        return body
    reason = str(body.get("reason") or "")[:500] or None
    answer = await request_cancel(client, instance_id, initiator_of(req, body), reason)
    url = status_url(req, instance_id)
    if answer.get("code") == "UNKNOWN_RUN":
        return unknown_run(instance_id, language(req))
    if answer.get("code") == "RUN_ENDED":
        return problem(
            409, N_("The run has ended"), answer.get("reason"), code="RUN_ENDED", lang=language(req)
        )
    if answer["accepted"] is None:
        body_out = {
            "id": instance_id,
            "requestId": answer["requestId"],
            "accepted": None,
            "message": "Cancel requested; the run has not answered yet. Follow statusUrl.",
            "statusUrl": url,
        }
        return json_response(body_out, 202, _running_headers(req, instance_id))
    if not answer["accepted"]:
        return problem(
            409,
            N_("Cancel refused"),
            answer.get("reason"),
            lang=language(req),
            code=answer.get("code"),
            requestId=answer["requestId"],
            statusUrl=url,
        )
    body_out = {
        "id": instance_id,
        "requestId": answer["requestId"],
        "accepted": True,
        "reason": answer.get("reason"),
        "statusUrl": url,
    }
    return json_response(body_out, 202, _running_headers(req, instance_id))
