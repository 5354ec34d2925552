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

The routes parse, call and answer; the work is in ``function_app.run_start`` (one run per
item), ``function_app.run_view`` (what a run shows) and ``function_app.run_cancel``.

The initiator is the signed-in caller (App Service Authentication headers,
``domain.approvals_identity.caller``); in Azure never the body, so a request asking for
four-eyes without a signed-in caller is refused (401). Locally the body's ``initiator``/``by``
may name the caller, else ``anonymous``. Bodies never carry Durable system URLs or keys.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Rs

from clients.settings import get_settings
from domain.errors import RequestInvalid
from domain.i18n import N_
from domain.request import parse_failback_request, window_problems
from function_app.initiator import ANONYMOUS, initiator_of
from function_app.json_body import read_json_object
from function_app.master_target_claim import MasterTargetFullError
from function_app.problem import language, problem, unknown_run
from function_app.responses import html_response, json_response
from function_app.run_cancel import request_cancel
from function_app.run_claim import ItemHeldError
from function_app.run_lookup import RUNNING, custom_status, get_run, job_steps
from function_app.run_resolve import ResolveUnavailableError
from function_app.run_start import dry_run_report, start_request
from function_app.run_view import live_progress, run_view
from function_app.status_links import RETRY_AFTER_SECONDS, running_headers, status_url
from function_app.status_pages import auth_query, language_of, render_status_page, wants_html

bp = df.Blueprint()


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
            error_messages=invalid.messages,
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
        instance_id, started = await start_request(client, request, initiator)
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
    except MasterTargetFullError as full:
        return problem(
            409,
            N_("The master target has no room for this VM's disks"),
            str(full),
            lang=language(req),
            code="MASTER_TARGET_FULL",
            masterTarget=full.target.id,
            disks=full.total,
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
            running_headers(req, instance_id),
        )
    if request.dry_run and (report := await dry_run_report(client, instance_id)) is not None:
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
        running_headers(req, instance_id),
    )


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
        await live_progress(client, custom) if status.runtime_status in RUNNING else custom.get("progress")
    )
    view = run_view(status, custom, progress)
    view["asrJobs"] = await job_steps(client, instance_id)
    running = status.runtime_status in RUNNING or status.runtime_status == Rs.Suspended
    if wants_html(req):  # a person's browser: the status dashboard (contracts §8)
        lang, nonce = language_of(req), secrets.token_urlsafe(12)
        page = render_status_page(view, lang, auth_query(req), nonce)
        return html_response(page, 200, nonce=nonce, lang=lang)
    if running:
        return json_response(view, 202, running_headers(req, instance_id))
    return json_response(view, 200)


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
        return json_response(body_out, 202, running_headers(req, instance_id))
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
    return json_response(body_out, 202, running_headers(req, instance_id))
