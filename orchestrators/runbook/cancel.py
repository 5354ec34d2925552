"""The cancel listener: one ``CancelRequest`` waiter always open, answered by the H10 rules at once.

Every wait of the runbook goes through :meth:`CancelListener.await_any` /
:meth:`CancelListener.await_task`, so that a cancel is answered whatever the run waits for.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from azure.durable_functions.models.Task import TaskBase

from domain import timeline
from domain.contracts import CancelAnswer
from domain.phases import SYNC
from domain.run_names import CANCEL_EVENT
from orchestrators.durable import event_payload, log_info
from orchestrators.runbook.state import RunState
from orchestrators.safety import cancel_verdict

#: After a cancel request was answered mid-step, re-listen with a timer this long (see await_any).
KEEPALIVE = timedelta(hours=1)


class CancelListener:
    """Answers cancel requests (``orchestrators.safety.cancel_verdict``) while the run waits."""

    def __init__(self, run: RunState) -> None:
        self.run = run
        self._waiter: TaskBase | None = None

    def _wait(self) -> TaskBase:
        # One waiter stays open from the first yield to the end, so a CancelRequest
        # always finds a waiter and is never parked as an early event (durable-python #507).
        if self._waiter is None:
            self._waiter = self.run.ctx.wait_for_external_event(CANCEL_EVENT)
        return self._waiter

    def _answer(self, raw: Any) -> None:
        run = self.run
        payload = event_payload(raw)
        verdict = cancel_verdict(run.phase)
        by = str(payload.get("by") or "anonymous")
        answer: CancelAnswer = {
            "requestId": payload.get("requestId"),
            "by": by,
            "accepted": verdict.accepted,
            "code": verdict.code,
            "reason": verdict.reason,
        }
        run.cancel_answer = answer
        run.note(
            timeline.DECISION,
            decision="cancel-accepted" if verdict.accepted else "cancel-refused",
            by=by,
            comment=payload.get("reason"),
            code=verdict.code,
            reason=verdict.reason,
        )
        if verdict.accepted:
            run.cancel_accepted = True
        elif (
            payload.get("deferIfRefused") and verdict.code == "CANCEL_REFUSED_DATA_SYNC" and run.phase == SYNC
        ):
            # H10 forbids stopping the sync; the requester (a Resolved alert) still wants the run
            # stopped, which is safe once phase 1 ended: the approval gate applies it.
            run.deferred_cancel = {"by": by, "reason": payload.get("reason")}
            answer["deferred"] = True
        run.publish(message=verdict.reason)
        log_info(
            run.ctx,
            f"cancel {'accepted' if verdict.accepted else 'refused'}",
            runId=run.run_id,
            phase=run.phase,
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
        ctx = self.run.ctx
        fresh = True
        while True:
            waiter = self._wait()
            parts = [*tasks, waiter]
            keepalive = None
            if not fresh:
                keepalive = ctx.create_timer(self.run.now + KEEPALIVE)
                parts.append(keepalive)
            winner = yield ctx.task_any(parts)
            if keepalive is not None and winner is not keepalive:
                keepalive.cancel()
            if winner is waiter:
                self._waiter = None
                self._answer(waiter.result)
                if self.run.cancel_accepted and stop_on_cancel:
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
