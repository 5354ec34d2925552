"""Activity ``close_gate``: the run withdraws a question its gate still asks (issue 12, part 2).

An orchestrator cannot raise an event on another instance, so the run asks this activity, which
holds the durable client binding, to raise ``ApprovalDecision`` ``withdrawn`` on its gate
``<runId>:gate:<gate>``. The gate accepts it without an approver check (``domain.approvals``,
only the app raises it) and closes; a later click or API decision is told the question was
withdrawn and why (``reason``). Input ``{runId, gate, reason}``; output ``{closed, why?}``.
"""

from __future__ import annotations

import azure.durable_functions as df

from domain.approvals import WITHDRAWN
from domain.run_names import APPROVAL_EVENT, gate_instance_id

bp = df.Blueprint()
#: Runtime states in which a gate still takes events.
_OPEN = {"Running", "Pending"}


@bp.activity_trigger(input_name="payload")
@bp.durable_client_input(client_name="client")
async def close_gate(payload: dict, client: df.DurableOrchestrationClient) -> dict:
    """Raise ``withdrawn`` on the run's gate unless it already ended."""
    run_id, gate = str(payload.get("runId") or ""), str(payload.get("gate") or "")
    if not run_id or not gate:
        raise ValueError("close_gate needs runId and gate")
    instance_id = gate_instance_id(run_id, gate)
    runtime = await _runtime(client, instance_id)
    if runtime not in _OPEN:
        return {"closed": False, "why": f"the gate is {runtime or 'unknown'}"}
    event = {"decision": WITHDRAWN, "by": "", "gate": gate, "comment": str(payload.get("reason") or "")}
    try:
        await client.raise_event(instance_id, APPROVAL_EVENT, event)
    except Exception:
        runtime = await _runtime(client, instance_id)
        if runtime in _OPEN:
            raise  # the gate is open and did not take it: the activity fails, the run notes it
        return {"closed": False, "why": f"the gate is {runtime or 'unknown'}"}  # it decided just now
    return {"closed": True}


async def _runtime(client: df.DurableOrchestrationClient, instance_id: str) -> str:
    status = await client.get_status(instance_id)
    return status.runtime_status.value if status and status.runtime_status else ""
