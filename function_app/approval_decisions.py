"""An approver's decision: the policy's verdict, the event on the gate, the gate's confirmation (W4)."""

from __future__ import annotations

import asyncio
import logging

import azure.durable_functions as df

from domain.approvals import ApprovalPolicy, refusal_reason
from domain.approvals_identity import Identity
from domain.approvals_tokens import TokenClaims
from function_app.approval_outcome import gate_verdict
from function_app.approval_view import GateView, checklist_of, load_gate
from function_app.run_lookup import raise_if_live
from orchestrators.approval_gate import APPROVAL_EVENT, gate_instance_id

log = logging.getLogger(__name__)

#: How long the POST waits to see the gate take the decision before answering anyway.
CONFIRM_SECONDS = 3.0


def missing_attestations(gate: GateView, attested: list[str], lang: str) -> list[dict[str, str]]:
    """The checklist items (V3) an approval must attest and the form did not tick."""
    return [i for i in checklist_of(gate, lang) if i["id"] not in attested]


def policy_refusal(gate: GateView, identity: Identity) -> str | None:
    """Why the gate's policy refuses this person's decision (``domain.approvals``); None if it may."""
    policy = ApprovalPolicy.from_dict(gate.input.get("policy"))
    return refusal_reason(
        policy,
        identity.name,
        identity.groups,
        initiator=gate.input.get("initiator"),
        escalated=bool(gate.status.get("escalated")),
    )


async def send_decision(
    client: df.DurableOrchestrationClient,
    claims: TokenClaims,
    identity: Identity,
    decision: str,
    comment: str,
    attested: list[str],
) -> bool:
    """Raise ``ApprovalDecision`` on the link's gate (from inside the app: no system URL leaves it).

    Returns:
        False when the gate ended between the page's check and the event (410 Gone from the host): a
        race with another decision or the deadline, never a server error; the gate's state says what won.
    """
    payload = {
        "decision": decision,
        "by": identity.name,
        "comment": comment,
        "gate": claims.gate,
        "groups": list(identity.groups),
        "nonce": claims.nonce,
        "attested": attested,
    }
    if not await raise_if_live(client, gate_instance_id(claims.run_id, claims.gate), APPROVAL_EVENT, payload):
        log.info("approval: gate %s of %s ended first", claims.gate, claims.run_id)
        return False
    log.info("approval: %s %s gate %s of %s", identity.name, decision, claims.gate, claims.run_id)
    return True


async def confirmed_verdict(
    client: df.DurableOrchestrationClient, claims: TokenClaims, identity: Identity, decision: str
) -> tuple[str, str] | None:
    """Wait briefly for the gate to take the decision; what it decided, or None if not yet.

    Two decisions raced on one gate (approve and reject of one link, or two approvers when one
    approval is enough): the gate takes the first and ignores the rest; each person is told which.
    """
    loop = asyncio.get_running_loop()
    end = loop.time() + CONFIRM_SECONDS
    verdict = None
    while verdict is None and loop.time() < end:
        verdict = gate_verdict(await load_gate(client, claims), claims, identity.name, decision)
        if verdict is None:
            await asyncio.sleep(0.1)
    return verdict
