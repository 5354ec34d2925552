"""A decision sent by API to a run's open decision gate: the gate decides, as for an approval link.

After a failed verification a run opens the ``commit-anyway`` gate (``orchestrators.runbook.gates``):
the approvers get links, and an operator's script may answer ``POST /api/failbacks/{id}/verification``
instead. Either way the decision is one ``ApprovalDecision`` on the gate, so the same rules hold
(W8, issue 12 part 2):

- the decider is the signed-in caller (the body's ``by`` only locally, where nobody signs in);
- the gate applies the approval policy: approver list or groups, escalation, four-eyes (the
  initiator may not decide), and ``quorum`` counts distinct deciders;
- decisions raced on the gate: it takes exactly one outcome; each caller is told what the gate did
  with theirs — counted (200, with the gate's outcome or how many approvals it still waits for) or
  not counted (409 ``DECIDED`` with what the gate decided);
- a gate the run withdrew (its question no longer stands, e.g. Azure answered again during a wait
  for Azure) counts nothing more: 409 ``WITHDRAWN`` with the run's reason.

The same function serves every route whose decision is a gate: ``words`` maps the route's
decisions to the gate's (``commit-anyway`` → approved here, ``hand-over`` → approved for a wait
for Azure).

The route checks the policy first only to answer a refusal at once (403 with the reason); the gate
checks it again and is the authority.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from domain.approvals import WITHDRAWN, ApprovalPolicy, refusal_reason
from domain.approvals_identity import identity_from_headers
from domain.approvals_tokens import TokenClaims
from domain.i18n import N_
from domain.run_names import APPROVAL_EVENT, gate_instance_id
from function_app.approval_outcome import closed_decision, gate_verdict
from function_app.approval_view import load_gate
from function_app.problem import language, problem
from function_app.responses import json_response

#: The route's decisions as the gate's: committing anyway approves, leaving for manual work rejects.
AS_GATE_DECISION = {"commit-anyway": "approved", "leave-manual": "rejected"}
#: How long the answer waits to see the gate take the decision.
CONFIRM_SECONDS = 5.0


def route_decision(gate_decision: str, words: Mapping[str, str] = AS_GATE_DECISION) -> str:
    """The gate's outcome in the route's words (``approved`` → ``commit-anyway``; others as they are)."""
    return {v: k for k, v in words.items()}.get(gate_decision, gate_decision)


def withdrawn(
    answer: dict[str, Any], decision: str, reason: Any, lang: str | None = None
) -> func.HttpResponse:
    """409: the run withdrew the gate's question; nothing was counted (``reason``: the run's words)."""
    why = str(reason or "the run no longer needs this decision.")
    return problem(
        409,
        N_("No decision needed any more"),
        N_("Yours (%(yours)s) was not counted: %(why)s"),
        lang=lang,
        args={"yours": decision, "why": why},
        code="WITHDRAWN",
        **{**answer, "decided": WITHDRAWN, "yours": False, "reason": why},
    )


def superseded(answer: dict[str, Any], decision: str, decided: str | None, lang: str) -> func.HttpResponse:
    """409: the gate had decided otherwise (another decision came first, or it closed); yours not counted."""
    return problem(
        409,
        N_("Another decision was taken"),
        N_("Yours (%(yours)s) was not counted: the gate had already decided %(decided)s."),
        lang=lang,
        args={"yours": decision, "decided": decided},
        code="DECIDED",
        **{**answer, "decided": decided, "yours": False},
    )


async def decide_on_gate(
    client: df.DurableOrchestrationClient,
    req: func.HttpRequest,
    run_id: str,
    gate: str,
    decision: str,
    by: str,
    comment: str,
    status_url: str,
    words: Mapping[str, str] = AS_GATE_DECISION,
) -> func.HttpResponse:
    """Send ``decision`` (a key of ``words``, e.g. ``commit-anyway``) by ``by`` to the run's open ``gate``."""
    nonce = f"api-{uuid.uuid4().hex}"  # tells this decision from every other one in the gate's trail
    claims = TokenClaims(run_id=run_id, gate=gate, approver=by, expires_at=datetime.now(UTC), nonce=nonce)
    view = await load_gate(client, claims)
    identity = identity_from_headers(dict(req.headers))
    groups = list(identity.groups) if identity else []
    why = refusal_reason(
        ApprovalPolicy.from_dict(view.input.get("policy")),
        by,
        groups,
        initiator=view.input.get("initiator"),
        escalated=bool(view.status.get("escalated")),
    )
    answer: dict[str, Any] = {"id": run_id, "gate": gate, "decision": decision, "by": by}
    answer["statusUrl"] = status_url
    lang = language(req)
    if not view.exists:  # the run published its gate a moment before the gate's first episode
        return problem(
            409,
            N_("Decision gate opening"),
            N_("The gate is opening; send the decision again in a moment."),
            lang=lang,
            code="GATE_OPENING",
            headers={"Retry-After": "2"},
            **answer,
        )
    if not view.open:
        closed = route_decision(closed_decision(view) or "closed", words)
        if closed == WITHDRAWN:
            return withdrawn(answer, decision, view.output.get("comment"), lang)
        return superseded(answer, decision, closed, lang)
    if view.used_by(claims, by.strip().lower()):  # quorum counts distinct people: a second one is not
        return problem(
            409,
            N_("Already decided"),
            N_("You already decided on this gate; the quorum counts distinct people."),
            lang=lang,
            code="ALREADY_DECIDED",
            **answer,
        )
    if why:
        return problem(
            403, N_("Decision not allowed"), f"{why}.", errors=[why], decision=decision, gate=gate, lang=lang
        )
    payload = {
        "decision": words[decision],
        "by": by,
        "comment": comment,
        "gate": gate,
        "groups": groups,
        "nonce": nonce,
    }
    # the gate may have closed a moment ago (another decision won): the poll below says so
    with contextlib.suppress(Exception):
        await client.raise_event(gate_instance_id(run_id, gate), APPROVAL_EVENT, payload)
    verdict = None
    end = asyncio.get_running_loop().time() + CONFIRM_SECONDS
    while verdict is None and asyncio.get_running_loop().time() < end:
        view = await load_gate(client, claims)
        verdict = gate_verdict(view, claims, by, words[decision])
        if verdict is None:
            await asyncio.sleep(0.1)
    if verdict is None:
        answer["message"] = "Sent; the gate has not confirmed it yet. Follow statusUrl."
        return json_response(answer, 202, {"Location": status_url})
    kind, outcome = verdict
    decided = route_decision(outcome, words) if outcome else None
    if decided == WITHDRAWN:
        return withdrawn(answer, decision, view.output.get("comment"), lang)
    if kind == "superseded":
        return superseded(answer, decision, decided, lang)
    answer.update(yours=True, decided=decided)
    if decided is None:  # counted; the quorum needs more distinct approvers
        approvals, quorum = int(view.status.get("approvals") or 0), int(view.status.get("quorum") or 1)
        answer.update(approvals=approvals, quorum=quorum)
        answer["message"] = f"Your decision was counted: {approvals} of {quorum} approvals; the gate waits."
    else:
        answer["message"] = f"Your decision ({decision}) was taken: the gate decided {decided}."
    return json_response(answer, 200)
