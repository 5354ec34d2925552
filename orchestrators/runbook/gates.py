"""People deciding during a run: the approval gates (``approval_gate``), the hold after a failed check."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any, cast

from domain import report as reports
from domain.contracts import GateResult
from domain.report import LEFT_MANUAL
from domain.run_names import AWAITING_APPROVAL, AWAITING_DECISION, VERIFICATION_DECISION, VERIFICATION_EVENT
from orchestrators.approval_gate import call_gate
from orchestrators.durable import event_payload
from orchestrators.runbook.cancel import CancelListener
from orchestrators.runbook.state import RunState, RunStopped

#: How long a failed verification holds for a decision; the run never commits by itself.
DECISION_TIMEOUT = timedelta(days=3)


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
            run.note(reports.DECISION, gate=gate, decision="cancel-accepted", by=by, comment=reason)
            return {"decision": "cancelled", "by": by, "comment": reason}
        # the gate reads ``timeoutHours`` (``domain.approvals.ApprovalPolicy``); inputs of older runs
        # also carry an unread ``timeoutSeconds``, which the gate ignores
        policy = run.request.approval.to_dict()
        run.awaiting, run.open_gate = AWAITING_APPROVAL, gate
        run.publish(step=f"awaiting {gate} approval")
        child = call_gate(
            run.ctx, run_id=run.run_id, gate=gate, policy=policy, summary=summary, initiator=run.initiator
        )
        result = cast(GateResult, dict((yield from self.listener.await_task(child)) or {}))
        run.awaiting, run.open_gate = None, None
        run.note(
            reports.DECISION,
            gate=gate,
            decision=result.get("decision"),
            by=result.get("by"),
            comment=result.get("comment"),
            **reports.gate_record(result),
        )
        return result

    def hold_for_decision(self) -> Generator[Any, Any, None]:
        """Verification failed: no commit until a person decides (``VerificationDecision``)."""
        run = self.run
        failed = [c.get("name") for c in (run.verification or {}).get("checks") or [] if not c.get("passed")]
        run.awaiting = AWAITING_DECISION
        run.publish(
            step="holding",
            message=(
                f"Verification failed ({', '.join(str(n) for n in failed) or 'no heartbeat'}). "
                "Not committed. "
                f"POST /api/failbacks/{run.run_id}/verification with commit-anyway or leave-manual."
            ),
        )
        decision = run.ctx.wait_for_external_event(VERIFICATION_EVENT)
        timeout = run.ctx.create_timer(run.now + DECISION_TIMEOUT)
        winner = yield from self.listener.await_any([decision, timeout])
        run.awaiting = None
        if winner is not decision:
            run.note(reports.DECISION, gate=VERIFICATION_DECISION, decision="timeout", by=None)
            raise RunStopped(
                LEFT_MANUAL,
                "Verification failed and nobody decided in time; not committed.",
                code="VERIFY_FAILED",
            )
        timeout.cancel()
        payload = event_payload(decision.result)
        choice = payload.get("decision")
        by = payload.get("by")
        run.note(
            reports.DECISION,
            gate=VERIFICATION_DECISION,
            decision=choice,
            by=by,
            comment=payload.get("comment"),
        )
        if choice != "commit-anyway":
            raise RunStopped(
                LEFT_MANUAL,
                "Verification failed; left for manual work by decision. Not committed.",
                code="VERIFY_FAILED",
            )
        run.note(reports.ONPREM_VERIFIED, computer=run.request.verification.computer, by=by, manual=True)
