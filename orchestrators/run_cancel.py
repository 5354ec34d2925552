"""Cancel requests during a run: one waiter always open, answered by the H10 rules at once.

Every wait of the runbook goes through ``await_any`` / ``await_task`` so that a
``CancelRequest`` is answered whatever the run is waiting for.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from azure.durable_functions.models.Task import TaskBase

from domain import report as reports
from domain.phases import SYNC
from orchestrators.durable import event_payload, log_info
from orchestrators.run_state import CANCEL_EVENT, RunState
from orchestrators.safety import cancel_verdict

#: After a cancel request was answered mid-step, re-listen with a timer this long (see await_any).
KEEPALIVE = timedelta(hours=1)


class CancellableRun(RunState):
    """A run whose waits answer cancel requests (``orchestrators.safety.cancel_verdict``)."""

    def _cancel_wait(self) -> TaskBase:
        # One waiter stays open from the first yield to the end, so a CancelRequest
        # always finds a waiter and is never parked as an early event (durable-python #507).
        if self._cancel_waiter is None:
            self._cancel_waiter = self.ctx.wait_for_external_event(CANCEL_EVENT)
        return self._cancel_waiter

    def _answer_cancel(self, raw: Any) -> None:
        payload = event_payload(raw)
        verdict = cancel_verdict(self.phase)
        by = str(payload.get("by") or "anonymous")
        self.cancel_answer = {"requestId": payload.get("requestId"), "by": by, **verdict.to_dict()}
        self.note(
            reports.DECISION,
            decision="cancel-accepted" if verdict.accepted else "cancel-refused",
            by=by,
            comment=payload.get("reason"),
            code=verdict.code,
            reason=verdict.reason,
        )
        if verdict.accepted:
            self.cancel_accepted = True
        elif (
            payload.get("deferIfRefused")
            and verdict.code == "CANCEL_REFUSED_DATA_SYNC"
            and self.phase == SYNC
        ):
            # H10 forbids stopping the sync; the requester (a Resolved alert) still wants the run
            # stopped, which is safe once phase 1 ended: the approval gate applies it.
            self.deferred_cancel = {"by": by, "reason": payload.get("reason")}
            self.cancel_answer["deferred"] = True
        self.publish(message=verdict.reason)
        log_info(
            self.ctx,
            f"cancel {'accepted' if verdict.accepted else 'refused'}",
            runId=self.run_id,
            phase=self.phase,
            code=verdict.code,
        )

    def await_any(self, tasks: list[TaskBase], *, stop_on_cancel: bool = False) -> Generator[Any, Any, Any]:
        """Wait for the first of ``tasks`` while answering cancel requests.

        Returns the winning task, or ``None`` when ``stop_on_cancel`` and a cancel was
        accepted (then every timer among ``tasks`` is cancelled).

        The C# host awaits each top-level action in turn, so a ``task_any`` whose only
        *new* child is an event wait could block the run forever. After a cancel was
        answered the tasks are already scheduled, hence a fresh keep-alive timer joins.
        """
        fresh = True
        while True:
            waiter = self._cancel_wait()
            parts = [*tasks, waiter]
            keepalive = None
            if not fresh:
                keepalive = self.ctx.create_timer(self.now + KEEPALIVE)
                parts.append(keepalive)
            winner = yield self.ctx.task_any(parts)
            if keepalive is not None and winner is not keepalive:
                keepalive.cancel()
            if winner is waiter:
                self._cancel_waiter = None
                self._answer_cancel(waiter.result)
                if self.cancel_accepted and stop_on_cancel:
                    for task in tasks:
                        if hasattr(task, "cancel") and not task.is_completed:
                            task.cancel()
                    return None
            elif winner is not keepalive:
                return winner
            fresh = False

    def await_task(self, task: TaskBase) -> Generator[Any, Any, Any]:
        """Wait for one task (answering cancels meanwhile); its value, or its exception raised."""
        yield from self.await_any([task])
        return (yield task)  # already complete: the SDK hands back the value or raises
