"""``POST /api/failbacks/{id}/azure-wait``: a person's decision on a run waiting for Azure (H12).

After the switchover a run never gives up on transient ARM or Log Analytics trouble: it waits
visibly (custom status ``awaiting: "azure"`` and ``azureWait: {n, since, code, message, attempt,
nextTry}``) and retries with back-off (``domain.azure_wait``). A person may decide meanwhile:

- ``retry-now``: end the current back-off at once (any signed-in caller);
- ``hand-over``: stop the automation and leave the failback to manual work, with the remedy that is
  possible from where ASR is — the run's approval policy applies (approver list, four-eyes).

Runs whose decisions are gates (started with ``decisions: "gates"``) ask through an azure-wait gate
(published as ``azureWait.gate``): the decision is sent to that gate (``function_app.gate_decision``:
``hand-over`` approves, ``retry-now`` rejects), which applies the whole approval policy — quorum of
distinct signed-in deciders, four-eyes — to both, takes one outcome when decisions race and answers
what it did (200, 403, 409 ``DECIDED``/``ALREADY_DECIDED``, 409 ``WITHDRAWN`` once Azure answered
again and the run withdrew the question).

Runs started before keep the route-level decision they replay: bound to the signed-in caller and
claimed once per wait (``<runId>:decision:azure-wait-<n>``, the same singleton claim as the
verification decision): of concurrent decisions one is sent, the others are answered 409 with the
one taken.
"""

from __future__ import annotations

import uuid
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from clients.settings import get_settings
from domain.approvals_identity import caller
from domain.azure_wait import AS_GATE_DECISION, DECISIONS, HAND_OVER
from domain.i18n import N_
from domain.run_names import AWAITING_AZURE, AZURE_WAIT_EVENT, DECISIONS_BY_GATES, DECISIONS_KEY
from function_app.gate_decision import decide_on_gate
from function_app.json_body import json_object, read_json_object
from function_app.problem import language, problem, unknown_run
from function_app.responses import json_response
from function_app.run_lookup import RUNNING, custom_status, get_run
from function_app.status_links import RETRY_AFTER_SECONDS, status_url
from function_app.verification_route import claim_decision, claim_lost, refused

bp = df.Blueprint()


def claim_id(run_id: str, wait: int) -> str:
    """Instance id of the claim on one wait's decision."""
    return f"{run_id}:decision:azure-wait-{wait}"


async def _to_gate(
    client: df.DurableOrchestrationClient,
    req: func.HttpRequest,
    run_id: str,
    wait: dict[str, Any],
    decision: str,
    by: str | None,
    body: dict[str, Any],
) -> func.HttpResponse:
    """Send the decision to the run's open azure-wait gate, which decides and says what it did."""
    if by is None:
        sign_in = "sign in: the decision is recorded under your organisation account"
        return problem(401, N_("Decision not allowed"), f"{sign_in}.", errors=[sign_in], lang=language(req))
    if not wait.get("gate"):  # retrying after a decision, or the last gate timed out
        return problem(
            409,
            N_("No decision open"),
            N_("The run is retrying; it asks its approvers again if Azure keeps failing."),
            lang=language(req),
            code="GATE_OPENING",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    note = str(body.get("comment") or "")[:1000]
    url = status_url(req, run_id)
    gate = str(wait["gate"])
    return await decide_on_gate(client, req, run_id, gate, decision, by, note, url, words=AS_GATE_DECISION)


@bp.route(route="failbacks/{id}/azure-wait", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def decide_azure_wait(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Retry now, or hand the failback over to manual work, while the run waits for Azure."""
    instance_id = req.route_params.get("id", "")
    body = read_json_object(req)
    if isinstance(body, func.HttpResponse):
        return body
    decision = body.get("decision")
    if decision not in DECISIONS:
        errors = [f"decision: must be one of {', '.join(DECISIONS)}"]
        return problem(
            400, N_("Invalid decision"), N_("Fix every listed field."), errors=errors, lang=language(req)
        )
    status = await get_run(client, instance_id)
    if status is None:
        return unknown_run(instance_id, language(req))
    custom = custom_status(status)
    wait = json_object(custom.get("azureWait"))
    if status.runtime_status not in RUNNING or custom.get("awaiting") != AWAITING_AZURE or not wait:
        return problem(
            409,
            N_("Not waiting for Azure"),
            N_(
                "The run is not waiting for Azure now (Azure answered again, or the run ended): "
                "no decision is needed."
            ),
            lang=language(req),
            awaiting=custom.get("awaiting"),
        )
    by = caller(dict(req.headers), body, local_mode=get_settings().local_mode)
    full = await client.get_status(instance_id, show_input=True)
    run_input = json_object(full.input_ if full else None)
    if run_input.get(DECISIONS_KEY) == DECISIONS_BY_GATES:  # the run asks through a gate
        return await _to_gate(client, req, instance_id, wait, str(decision), by, body)
    why = refused(req, by, run_input, policy_applies=decision == HAND_OVER)
    if why:
        return problem(
            401 if by is None else 403,
            N_("Decision not allowed"),
            f"{why}.",
            errors=[why],
            lang=language(req),
        )
    n = int(wait.get("n") or 0)
    event: dict[str, Any] = {
        "decision": decision,
        "by": by,
        "comment": str(body.get("comment") or "")[:1000],
        "wait": n,
        "claim": uuid.uuid4().hex,
    }
    held = await claim_decision(client, claim_id(instance_id, n), event)
    url = status_url(req, instance_id)
    if held.get("claim") != event["claim"]:
        return claim_lost(req, str(decision), held, statusUrl=url)
    await client.raise_event(instance_id, AZURE_WAIT_EVENT, event)
    answer = {"id": instance_id, "decision": decision, "by": by, "wait": n, "statusUrl": url}
    return json_response(answer, 202, {"Location": url, "Retry-After": str(RETRY_AFTER_SECONDS)})
