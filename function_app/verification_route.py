"""``POST /api/failbacks/{id}/verification``: the decision after a failed verification, bound to a person.

``commit-anyway`` deletes the Azure VM, so it is decided like an approval (issue 12, part 2):

- the decider is the authenticated caller (App Service Authentication; ``domain.approvals_identity
  .caller``), never the body's ``by`` — locally, where nobody signs in, the body may name them;
- the run's approval policy applies: the approver list (or group), the escalation list, and
  four-eyes (the run's initiator may not commit anyway); a refusal is 403 with the reason;
- ``leave-manual`` (nothing destructive) needs a signed-in caller only.

Runs started since the ``commit-anyway`` gate exists hold at that gate (``awaiting: approval``,
``gate: commit-anyway``): the decision is then sent to the gate (``function_app.gate_decision``), which
applies the whole policy, quorum included, and this route answers what the gate did with it. The
route-level path below stays for runs started before (their input has no ``decisions`` key), which
replay the hold they began with (``awaiting: verification-decision``).

Decisions raced on one run of the route-level path: exactly one is sent to the run. Each decision
first claims the run's ``<runId>:decision:verification`` instance (``decision_claim``, running while
the hold lasts); the Durable host refuses to start an instance id that is running, so of concurrent
callers one wins and the others are answered 409 with the decision taken (``decided``,
``decidedBy``) — never a second ``VerificationDecision`` on the run. The winner's answer waits
briefly for the run to take it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from clients.settings import get_settings
from domain.approvals import ApprovalPolicy, refusal_reason
from domain.approvals_identity import caller, identity_from_headers
from domain.i18n import N_
from domain.run_names import (
    AWAITING_APPROVAL,
    AWAITING_DECISION,
    GATE_COMMIT_ANYWAY,
    VERIFICATION_DECISION,
    VERIFICATION_EVENT,
)
from function_app.gate_decision import decide_on_gate
from function_app.json_body import json_object, read_json_object
from function_app.problem import language, problem, unknown_run
from function_app.responses import json_response
from function_app.run_lookup import RUNNING, custom_status, get_run, wait_for
from function_app.status_links import RETRY_AFTER_SECONDS, status_url

bp = df.Blueprint()

DECISIONS = ("commit-anyway", "leave-manual")
#: How long the answer waits to see the run take a decision.
ANSWER_SECONDS = 5.0
CLAIM_ORCHESTRATOR = "decision_claim"
#: A claim outlives the run's hold for a decision (``orchestrators.runbook.gates.DECISION_TIMEOUT``).
CLAIM_HOURS = 24 * 4


def claim_id(run_id: str) -> str:
    """Instance id of the claim on a run's verification decision (not a run: it has a ``:``)."""
    return f"{run_id}:decision:verification"


@bp.orchestration_trigger(context_name="context")
def decision_claim(context: df.DurableOrchestrationContext) -> Any:
    """Hold the claim on one decision: its input (the decision sent) in the custom status."""
    record = json_object(context.get_input())
    context.set_custom_status(record)
    yield context.create_timer(context.current_utc_datetime + timedelta(hours=CLAIM_HOURS))
    return record


def claim_lost(req: func.HttpRequest, decision: str, held: dict[str, Any], **extra: Any) -> func.HttpResponse:
    """409: another caller claimed this decision first (``held``); yours was not sent to the run."""
    return problem(
        409,
        N_("Another decision was taken"),
        N_("Yours (%(yours)s) was not sent: %(by)s decided %(decided)s first."),
        lang=language(req),
        args={"yours": decision, "by": held.get("by"), "decided": held.get("decision")},
        code="DECIDED",
        decided=held.get("decision"),
        decidedBy=held.get("by"),
        **extra,
    )


async def claim_decision(
    client: df.DurableOrchestrationClient, instance_id: str, event: dict[str, Any]
) -> dict[str, Any]:
    """Claim one decision (instance ``instance_id``) for ``event``; the decision holding it (ours or not)."""
    held = await client.get_status(instance_id)
    if held is None or held.runtime_status is None:
        try:
            await client.start_new(CLAIM_ORCHESTRATOR, instance_id, event)
            return event
        except Exception:  # a concurrent decision claimed it a moment ago
            pass
    for _ in range(20):  # its custom status appears with its first episode
        held = await client.get_status(instance_id, show_input=True)
        record = json_object(held.input_ if held else None)
        if record:
            return record
        await asyncio.sleep(0.1)
    return {}


def _invalid(body: dict[str, Any]) -> list[str]:
    reasons = []
    if body.get("decision") not in DECISIONS:
        reasons.append(f"decision: must be one of {', '.join(DECISIONS)}")
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        reasons.append("comment: must be a string")
    return reasons


def _taken(status: Any) -> dict[str, Any] | None:
    """The run's verification decision, once its published timeline has it."""
    custom = custom_status(status)
    output = json_object(status.output)
    timeline = output.get("timeline") or custom.get("timeline") or []
    gate = VERIFICATION_DECISION
    for entry in reversed(timeline):
        if isinstance(entry, dict) and (entry.get("event"), entry.get("gate")) == ("decision", gate):
            return entry
    return None


def refused(
    req: func.HttpRequest, by: str | None, run_input: dict[str, Any], *, policy_applies: bool
) -> str | None:
    """Why this caller may not send this decision on the run, or None (the run's approval policy)."""
    if by is None:
        return "sign in: the decision is recorded under your organisation account"
    if not policy_applies:
        return None
    request = json_object(run_input.get("request"))
    policy = ApprovalPolicy.from_dict(json_object(request.get("approval")))
    identity = identity_from_headers(dict(req.headers))
    return refusal_reason(
        policy,
        by,
        identity.groups if identity else (),
        initiator=str(run_input.get("initiator") or "") or None,
        escalated=True,  # the hold outlives every escalation delay
    )


@bp.route(route="failbacks/{id}/verification", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def decide_failback_verification(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Commit anyway (an approver, four-eyes) or leave for manual work, after a failed verification."""
    instance_id = req.route_params.get("id", "")
    body = read_json_object(req)
    if isinstance(body, func.HttpResponse):
        return body
    reasons = _invalid(body)
    if reasons:
        return problem(
            400, N_("Invalid decision"), N_("Fix every listed field."), errors=reasons, lang=language(req)
        )
    status = await get_run(client, instance_id)
    if status is None:
        return unknown_run(instance_id, language(req))
    custom = custom_status(status)
    at_gate = (custom.get("awaiting"), custom.get("gate")) == (AWAITING_APPROVAL, GATE_COMMIT_ANYWAY)
    if status.runtime_status in RUNNING and at_gate:
        decider = caller(dict(req.headers), body, local_mode=get_settings().local_mode)
        if decider is None:
            sign_in = "sign in: the decision is recorded under your organisation account"
            return problem(
                401, N_("Decision not allowed"), f"{sign_in}.", errors=[sign_in], lang=language(req)
            )
        note = str(body.get("comment") or "")[:1000]
        url = status_url(req, instance_id)
        return await decide_on_gate(
            client, req, instance_id, GATE_COMMIT_ANYWAY, str(body["decision"]), decider, note, url
        )
    if status.runtime_status not in RUNNING or custom.get("awaiting") != AWAITING_DECISION:
        return problem(
            409,
            N_("No decision awaited"),
            N_("The run is not holding after a failed verification."),
            lang=language(req),
            awaiting=custom.get("awaiting"),
        )
    decision = str(body["decision"])
    by = caller(dict(req.headers), body, local_mode=get_settings().local_mode)
    full = await client.get_status(instance_id, show_input=True)
    run_input = json_object(full.input_ if full else None)
    why = refused(req, by, run_input, policy_applies=decision == "commit-anyway")
    if why:
        code = 401 if by is None else 403
        return problem(
            code, N_("Decision not allowed"), f"{why}.", errors=[why], decision=decision, lang=language(req)
        )
    comment = str(body.get("comment") or "")[:1000]
    event = {"decision": decision, "by": by, "comment": comment, "claim": uuid.uuid4().hex}
    held = await claim_decision(client, claim_id(instance_id), event)
    if held.get("claim") != event["claim"]:
        return claim_lost(req, decision, held, yours=False, statusUrl=status_url(req, instance_id))
    await client.raise_event(instance_id, VERIFICATION_EVENT, event)
    final = await wait_for(client, instance_id, lambda s: _taken(s) is not None, ANSWER_SECONDS)
    taken = _taken(final) if final else None
    answer: dict[str, Any] = {"id": instance_id, "decision": decision, "by": by}
    answer["statusUrl"] = status_url(req, instance_id)
    headers = {"Location": answer["statusUrl"], "Retry-After": str(RETRY_AFTER_SECONDS)}
    if taken is None:
        answer["message"] = "Sent; the run has not taken a decision yet. Follow statusUrl."
        return json_response(answer, 202, headers)
    answer["decided"], answer["decidedBy"] = taken.get("decision"), taken.get("by")
    if taken.get("decision") == decision and taken.get("by") == by:
        answer.update(yours=True, message=f"Your decision ({decision}) was taken.")
        return json_response(answer, 200)
    return problem(
        409,
        N_("Another decision was taken"),
        N_("Yours (%(yours)s) was not counted: the run had already decided %(decided)s (by %(by)s)."),
        lang=language(req),
        args={"yours": decision, "decided": taken.get("decision"), "by": taken.get("by")},
        code="DECIDED",
        **{**answer, "yours": False},
    )
