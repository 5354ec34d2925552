"""The human decision on a wait for Azure as an ``approval_gate`` (H12, W2; issue 12 part 2).

A run waiting for Azure after the switchover asks its approvers what to do through the same gate
as every other decision: links to the approvers, the approval policy (quorum of distinct signed-in
deciders, four-eyes, escalation, reminders), one outcome when decisions race. Approving hands the
failback over to manual work; rejecting retries at once (``domain.azure_wait.AS_GATE_DECISION``).

The wait can also end by itself — Azure answers again — while the gate is open. The gate then no
longer asks anything true, so the run closes it: the activity ``close_gate`` raises ``withdrawn``
on it (an orchestrator cannot raise an event on another instance), and the run waits for the gate
to end. A decision the gate took before the withdrawal arrived stands: the person was told it.

Each gate is ``azure-wait-<n>`` (``domain.run_names.azure_wait_gate``): a new one is opened when the
run waits again after a gate decided retry-now, timed out or was withdrawn.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from azure.durable_functions.models.Task import TaskBase

from domain import report as reports
from domain import timeline
from domain.azure_wait import AS_GATE_DECISION, gate_summary
from domain.run_names import azure_wait_gate
from orchestrators.approval_gate import call_gate
from orchestrators.runbook.cancel import CancelListener
from orchestrators.runbook.gates import gate_policy
from orchestrators.runbook.state import RunState

#: The gate's outcome in the route's words (``approved`` → ``hand-over``, ``rejected`` → ``retry-now``).
AS_ROUTE_DECISION = {v: k for k, v in AS_GATE_DECISION.items()}
#: How long the run waits for a withdrawn gate to end before going on without it.
CLOSE_WAIT = timedelta(minutes=5)


class AzureWaitGate:
    """The open azure-wait gate of a run, if any: opened, taken, withdrawn."""

    def __init__(self, run: RunState, listener: CancelListener) -> None:
        self.run = run
        self.listener = listener
        self.opened = 0
        self.name: str | None = None
        self.task: TaskBase | None = None

    def open(self, step: str, code: str, message: str) -> None:
        """Open the next gate unless one is open (its links go out from the gate itself)."""
        if self.task is not None:
            return
        run = self.run
        self.opened += 1
        self.name = azure_wait_gate(self.opened)
        summary = gate_summary(run.request.item.label, run.initiator, step, code, message)
        self.task = call_gate(
            run.ctx,
            run_id=run.run_id,
            gate=self.name,
            policy=gate_policy(run),
            summary=summary,
            initiator=run.initiator,
        )
        run.open_gate = self.name

    def take(self) -> Generator[Any, Any, tuple[str | None, str | None]]:
        """The ended gate's decision: ``(hand-over | retry-now | None, by)``; None when it decided nothing."""
        assert self.task is not None
        result = dict((yield self.task) or {})  # already complete: its value, or its failure raised
        self.task, self.run.open_gate = None, None
        self.run.note(
            timeline.DECISION,
            gate=self.name,
            decision=result.get("decision"),
            by=result.get("by"),
            comment=result.get("comment"),
            **reports.gate_record(result),
        )
        by = ", ".join(str(a) for a in result.get("approvers") or []) or result.get("by")
        return AS_ROUTE_DECISION.get(str(result.get("decision"))), by

    def withdraw(self, reason: str) -> Generator[Any, Any, tuple[str | None, str | None]]:
        """Close the open gate (the question no longer stands); the decision it took first, if any."""
        if self.task is None:
            return None, None
        run = self.run
        try:
            yield run.ctx.call_activity(
                "close_gate", {"runId": run.run_id, "gate": self.name, "reason": reason}
            )
        except Exception:  # the gate ends at its own deadline; a late click is then told it closed
            run.note(timeline.NOTE, detail=f"could not close gate {self.name}: it ends at its deadline")
        timer = run.ctx.create_timer(run.now + CLOSE_WAIT)
        winner = yield from self.listener.await_any([self.task, timer])
        if winner is not self.task:
            self.task, run.open_gate = None, None
            return None, None
        timer.cancel()
        return (yield from self.take())
