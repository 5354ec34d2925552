"""People deciding during a run: the approval gates (``approval_gate``), the hold after a failed check."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any, cast

from domain import report as reports
from domain import timeline
from domain.contracts import GateResult
from domain.run_names import (
    AWAITING_APPROVAL,
    AWAITING_DECISION,
    GATE_COMMIT_ANYWAY,
    VERIFICATION_DECISION,
    VERIFICATION_EVENT,
    Outcome,
)
from orchestrators.approval_gate import call_gate
from orchestrators.durable import event_payload
from orchestrators.runbook.cancel import CancelListener
from orchestrators.runbook.state import RunState, RunStopped

#: How long a failed verification holds for a decision (runs without the gate); never commits by itself.
DECISION_TIMEOUT = timedelta(days=3)
#: What the approver of the commit-anyway gate attests: no API shows it (their own check of the VM).
COMMIT_ANYWAY_CHECKLIST = [
    {
        "id": "onprem-checked-by-hand",
        "text": "I signed in to the on-premises VM and checked it works, although the automated "
        "verification failed.",
    },
    {
        "id": "azure-vm-not-needed",
        "text": "Nothing still needed lives only on the Azure VM: committing deletes it and its disks.",
    },
]


def gate_policy(run: RunState) -> dict[str, Any]:
    """The request's approval policy as a gate takes it.

    The gate reads ``timeoutHours`` (``domain.approvals.ApprovalPolicy``); inputs of older runs also
    carry an unread ``timeoutSeconds``, which the gate ignores.
    """
    return run.request.approval.to_dict()


class Gates:
    """Asks people through ``approval_gate``; answers cancel requests meanwhile."""

    def __init__(self, run: RunState, listener: CancelListener) -> None:
        self.run = run
        self.listener = listener

    def ask(self, gate: str, summary: dict[str, Any]) -> Generator[Any, Any, GateResult]:
        """Open ``gate`` (published in the custom status while open) and return its result.

        A cancel deferred during phase 1 (``deferred_cancel``) is applied here instead of asking.
        """
        run = self.run
        if run.deferred_cancel is not None:
            run.cancel_accepted = True
            by, reason = run.deferred_cancel.get("by"), run.deferred_cancel.get("reason")
            run.note(timeline.DECISION, gate=gate, decision="cancel-accepted", by=by, comment=reason)
            return {"decision": "cancelled", "by": by, "comment": reason}
        run.awaiting, run.open_gate = AWAITING_APPROVAL, gate
        run.publish(step=f"awaiting {gate} approval")
        child = call_gate(
            run.ctx,
            run_id=run.run_id,
            gate=gate,
            policy=gate_policy(run),
            summary=summary,
            initiator=run.initiator,
        )
        result = cast(GateResult, dict((yield from self.listener.await_task(child)) or {}))
        run.awaiting, run.open_gate = None, None
        run.note(
            timeline.DECISION,
            gate=gate,
            decision=result.get("decision"),
            by=result.get("by"),
            comment=result.get("comment"),
            **reports.gate_record(result),
        )
        return result

    def hold_for_decision(self) -> Generator[Any, Any, None]:
        """Verification failed: no commit until people decide through the ``commit-anyway`` gate.

        Approved (by the policy's quorum, four-eyes applying) commits anyway; rejected or timed out
        leaves the failback for manual work. Runs started before this gate hold as they began.
        """
        run = self.run
        if not run.decisions_by_gate:
            yield from self._hold_for_event()
            return
        verification = run.verification or {}
        summary = {
            "vm": run.request.item.label,
            "initiator": run.initiator,
            "what": (
                f"Verification of the on-premises VM failed ({', '.join(self._failed()) or 'no heartbeat'}). "
                "Approve to commit anyway: ASR completes the failover and deletes the Azure VM and its "
                "disks. Reject to leave the failback for manual work (not committed; a new request "
                "adopts it later)."
            ),
            "computer": run.request.verification.computer,
            "verification": verification,
            "checklist": COMMIT_ANYWAY_CHECKLIST,
        }
        run.message = (
            f"Verification failed ({', '.join(self._failed()) or 'no heartbeat'}); not committed. The "
            "approvers decide through their links (or POST "
            f"/api/failbacks/{run.run_id}/verification): commit anyway, or leave for manual work."
        )
        result = yield from self.ask(GATE_COMMIT_ANYWAY, summary)
        decision = result.get("decision")
        if decision != "approved":
            why = "nobody decided in time" if decision == "timeout" else f"left for manual work ({decision})"
            raise RunStopped(
                Outcome.LEFT_MANUAL, f"Verification failed; {why}. Not committed.", code="VERIFY_FAILED"
            )
        by = ", ".join(str(a) for a in result.get("approvers") or []) or result.get("by")
        run.note(timeline.ONPREM_VERIFIED, computer=run.request.verification.computer, by=by, manual=True)

    def _failed(self) -> list[str]:
        checks = (self.run.verification or {}).get("checks") or []
        return [str(c.get("name")) for c in checks if not c.get("passed")]

    def _hold_for_event(self) -> Generator[Any, Any, None]:
        """The hold of runs started before the gate: one ``VerificationDecision`` from the route."""
        run = self.run
        failed = self._failed()
        run.awaiting = AWAITING_DECISION
        run.publish(
            step="holding",
            message=(
                f"Verification failed ({', '.join(failed) or 'no heartbeat'}). "
                "Not committed. "
                f"POST /api/failbacks/{run.run_id}/verification with commit-anyway or leave-manual."
            ),
        )
        decision = run.ctx.wait_for_external_event(VERIFICATION_EVENT)
        timeout = run.ctx.create_timer(run.now + DECISION_TIMEOUT)
        winner = yield from self.listener.await_any([decision, timeout])
        run.awaiting = None
        if winner is not decision:
            run.note(timeline.DECISION, gate=VERIFICATION_DECISION, decision="timeout", by=None)
            raise RunStopped(
                Outcome.LEFT_MANUAL,
                "Verification failed and nobody decided in time; not committed.",
                code="VERIFY_FAILED",
            )
        timeout.cancel()
        payload = event_payload(decision.result)
        choice = payload.get("decision")
        by = payload.get("by")
        run.note(
            timeline.DECISION,
            gate=VERIFICATION_DECISION,
            decision=choice,
            by=by,
            comment=payload.get("comment"),
        )
        if choice != "commit-anyway":
            raise RunStopped(
                Outcome.LEFT_MANUAL,
                "Verification failed; left for manual work by decision. Not committed.",
                code="VERIFY_FAILED",
            )
        run.note(timeline.ONPREM_VERIFIED, computer=run.request.verification.computer, by=by, manual=True)
