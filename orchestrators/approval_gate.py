"""Sub-orchestrator ``approval_gate``: wait for a human decision, bounded by time (W2).

Contract (docs/contracts.md §7): started by the failback run with instance id
``<runId>:gate:<gate>`` and input ``{runId, gate, policy, summary, initiator?}``;
it waits for the external event ``ApprovalDecision`` (payload
``{decision, by, comment, gate, groups?, nonce?, attested?}``) raised on its own
instance id, and returns
``{decision: "approved" | "rejected" | "timeout" | "cancelled", by, at, comment, approvers, decisions}``
where ``decisions`` is the audit trail of every decision received.

It sends the approval links (activity ``notify``, which signs them: the signing
key never enters the orchestration), reminders and the escalation, and ends in
the safe outcome ``timeout`` (not approved) at the deadline. A single Python
durable timer is capped (about six days), so the wait is a loop of timers no
longer than ``domain.approvals.MAX_TIMER``.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from datetime import datetime
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskBase

from domain.approvals import ApprovalPolicy, GateState
from domain.contracts import GateInput, GateResult
from domain.run_names import APPROVAL_EVENT, GATE_ORCHESTRATOR, gate_instance_id
from orchestrators.durable import event_payload, iso

bp = df.Blueprint()
log = logging.getLogger(__name__)


def call_gate(
    context: df.DurableOrchestrationContext,
    *,
    run_id: str,
    gate: str,
    policy: dict[str, Any],
    summary: dict[str, Any],
    initiator: str,
) -> TaskBase:
    """Start the ``approval_gate`` sub-orchestration of ``run_id``'s ``gate``; its task.

    One place builds the gate's input, for a single VM's run and for a waves run alike.
    """
    gate_input: GateInput = {
        "runId": run_id,
        "gate": gate,
        "policy": policy,
        "summary": summary,
        "initiator": initiator,
    }
    return context.call_sub_orchestrator(
        GATE_ORCHESTRATOR,
        gate_input,
        gate_instance_id(run_id, gate),
    )


def _notify(
    context: df.DurableOrchestrationContext, state: GateState, data: dict[str, Any], kind: str, to: list[str]
) -> Generator[Any, Any, None]:
    message = {
        "kind": kind,
        "runId": data.get("runId"),
        "gate": state.gate,
        "recipients": to,
        "expiresAt": iso(state.deadline),
        "summary": data.get("summary") or {},
        "outcome": state.outcome(),
        # one id per message, the same when the activity is retried: channels deduplicate on it
        "messageId": str(context.new_uuid()),
    }
    try:
        yield context.call_activity("notify", message)
    except Exception as exc:  # a failed message must not decide the gate
        if not context.is_replaying:
            log.warning("approval gate %s: notify %s failed: %s", state.gate, kind, exc)


def _result(state: GateState, decision: str, at: datetime) -> GateResult:
    accepted = [d for d in state.decisions if d["accepted"]]
    last = accepted[-1] if accepted and decision != "timeout" else None
    return {
        "decision": decision,
        "by": last["by"] if last else None,
        "at": iso(at),
        "comment": last["comment"] if last else None,
        "approvers": [d["by"] for d in accepted if d["decision"] == "approved"],
        "decisions": state.decisions,
    }


@bp.orchestration_trigger(context_name="context")
def approval_gate(context: df.DurableOrchestrationContext) -> Generator[Any, Any, GateResult]:
    """Send links, then wait for decisions, reminders, escalation or the deadline."""
    data = event_payload(context.get_input())
    policy = ApprovalPolicy.from_dict(data.get("policy"))
    state = GateState(
        policy=policy,
        gate=str(data.get("gate") or "approval"),
        started_at=context.current_utc_datetime,
        initiator=data.get("initiator"),
    )
    # Create the waiter before anything else so no early event is parked (durable-python #507).
    event_task = context.wait_for_external_event(APPROVAL_EVENT)
    context.set_custom_status(state.status())
    yield from _notify(context, state, data, "approval-request", list(policy.approvers) or ["*"])
    while True:
        now = context.current_utc_datetime
        for action in state.due(now):
            if action == "escalate":
                yield from _notify(context, state, data, "escalation", list(policy.escalate_to))
            else:
                yield from _notify(context, state, data, "reminder", state.pending_approvers())
            context.set_custom_status(state.status())
        if now >= state.deadline:
            yield from _notify(context, state, data, "timeout", [])
            result = _result(state, "timeout", now)
            context.set_custom_status({**state.status(), "open": False})
            return result
        timer = context.create_timer(state.next_wake(now))
        winner = yield context.task_any([event_task, timer])
        if winner is not event_task:
            continue
        timer.cancel()
        payload = event_payload(event_task.result)
        event_task = context.wait_for_external_event(APPROVAL_EVENT)
        state.record(payload, context.current_utc_datetime)
        context.set_custom_status(state.status())
        outcome = state.outcome()
        if outcome is not None:
            yield from _notify(context, state, data, "decided", [])
            return _result(state, outcome, context.current_utc_datetime)
