"""Sub-orchestrator ``approval_gate``: wait for a human decision, bounded by time (W2).

Contract (docs/contracts.md §7): started by the failback run with instance id
``<runId>:gate:<gate>`` and input ``{runId, gate, policy, summary}``; it waits for
the external event ``ApprovalDecision`` (payload ``{decision, by, comment, gate}``)
raised on its own instance id, and returns
``{decision: "approved" | "rejected" | "timeout", by, at, comment, decisions}``.

A single Python durable timer is capped (about six days), so the wait is a loop
of shorter timers towards the deadline.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

bp = df.Blueprint()

APPROVAL_EVENT = "ApprovalDecision"
#: Longest single durable timer we create; longer waits loop (Python timers are capped ~6 days).
MAX_TIMER = timedelta(days=5)
DEFAULT_TIMEOUT = timedelta(hours=24)


def gate_instance_id(run_id: str, gate: str) -> str:
    """Return the instance id of the gate sub-orchestrator of ``run_id`` (contracts §7)."""
    return f"{run_id}:gate:{gate}"


def _timeout(policy: dict[str, Any]) -> timedelta:
    seconds = policy.get("timeoutSeconds")
    return timedelta(seconds=float(seconds)) if seconds else DEFAULT_TIMEOUT


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@bp.orchestration_trigger(context_name="context")
def approval_gate(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Wait for ``ApprovalDecision`` or the deadline; the first valid decision wins."""
    data = context.get_input() or {}
    gate = str(data.get("gate", ""))
    policy = data.get("policy") or {}
    deadline = context.current_utc_datetime + _timeout(policy)
    decisions: list[dict[str, Any]] = []
    event_task = context.wait_for_external_event(APPROVAL_EVENT)
    while True:
        now = context.current_utc_datetime
        if now >= deadline:
            return {
                "decision": "timeout",
                "by": None,
                "at": _iso(now),
                "comment": None,
                "decisions": decisions,
            }
        timer = context.create_timer(min(deadline, now + MAX_TIMER))
        winner = yield context.task_any([event_task, timer])
        if winner is not event_task:
            continue
        timer.cancel()
        payload = event_task.result or {}
        event_task = context.wait_for_external_event(APPROVAL_EVENT)
        if str(payload.get("gate", gate)) != gate or payload.get("decision") not in {"approved", "rejected"}:
            continue
        entry = {
            "decision": payload["decision"],
            "by": payload.get("by"),
            "at": _iso(context.current_utc_datetime),
            "comment": payload.get("comment"),
        }
        decisions.append(entry)
        return {**entry, "decisions": decisions}
