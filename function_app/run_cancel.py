"""Cancel a run (H10): ``CancelRequest`` on the run, ``ApprovalDecision`` on its open gate.

The orchestrator decides (a cancel is refused while data synchronizes); this waits briefly for
its verdict. Used by ``POST /api/failbacks/{id}/cancel`` and by the alert route.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus

from domain import phases
from domain.run_names import (
    APPROVAL_EVENT,
    CANCEL_EVENT,
    GATE_SWITCHOVER,
    GATE_WINDOW,
    WAVES_PHASE,
    gate_instance_id,
)
from function_app.run_lookup import RUNNING, custom_status, get_run, raise_if_live, wait_for
from orchestrators.safety import cancel_verdict

log = logging.getLogger(__name__)

#: The cancel endpoint waits this long for the orchestrator's answer.
CANCEL_ANSWER_SECONDS = 5.0


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
    if not await raise_if_live(client, instance_id, CANCEL_EVENT, event):  # it ended since the read
        return {
            "requestId": request_id,
            "accepted": False,
            "code": "RUN_ENDED",
            "reason": "The run has ended.",
        }
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
