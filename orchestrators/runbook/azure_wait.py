"""After the switchover the run never gives up on transient Azure trouble: it waits visibly (H12).

Once the Azure VM has been asked to shut down (``RunState.switchover_requested``), a step failing
with what ``domain.azure_wait.waitable`` accepts — ARM 5xx/429/no answer, a 409, any ``Retry-After``,
a Log Analytics outage — is tried again after a back-off on durable timers, for as long as it
takes. Meanwhile the run publishes ``awaiting: "azure"`` and ``azureWait`` (status page, ``GET
/api/failbacks/{id}``), notifies the approvers on a schedule, and listens for a person's
decision: ``retry-now`` ends the back-off, ``hand-over`` stops the automation with the remedy that
is possible from where ASR is.

Runs whose decisions are gates (input ``decisions: "gates"``) ask through an ``approval_gate``
(``orchestrators.runbook.azure_wait_gate``): links, policy, quorum, four-eyes; the gate is raced
with the back-off timer and withdrawn when Azure answers first. Runs started before keep listening
for the route's ``AzureWaitDecision`` (``POST /api/failbacks/{id}/azure-wait``), as they began.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any, TypeVar

from azure.durable_functions.models.Task import TaskBase

from domain import timeline
from domain.azure_wait import (
    HAND_OVER,
    WITHDRAWN_AZURE_BACK,
    WITHDRAWN_RUN_STOPPED,
    backoff,
    hand_over_advice,
    next_notice_at,
    notice_due,
    waitable,
    waiting_message,
)
from domain.run_names import AWAITING_AZURE, AZURE_WAIT_EVENT, Outcome
from orchestrators.durable import event_payload, iso
from orchestrators.runbook.azure_wait_gate import AzureWaitGate
from orchestrators.runbook.cancel import CancelListener
from orchestrators.runbook.state import RunState, RunStopped

T = TypeVar("T")
#: The decisions' gate name in the timeline and the report.
AZURE_WAIT_GATE = "azure-wait"


class AzureWait:
    """Retries a step after the switchover until Azure answers, or a person hands it over."""

    def __init__(self, run: RunState, listener: CancelListener) -> None:
        self.run = run
        self.listener = listener
        self.waits = 0
        self._decision: TaskBase | None = None
        self.gate = AzureWaitGate(run, listener)
        #: seconds spent waiting for Azure in all (verification extends its window by them)
        self.waited_seconds = 0.0

    def _decision_task(self) -> TaskBase:
        # One waiter stays open across back-offs, so an early decision is never parked.
        if self._decision is None:
            self._decision = self.run.ctx.wait_for_external_event(AZURE_WAIT_EVENT)
        return self._decision

    def persist(self, step: str, attempt: Callable[[], Generator[Any, Any, T]]) -> Generator[Any, Any, T]:
        """Run ``attempt`` until it succeeds; after the switchover, wait out the failures that pass."""
        run = self.run
        tries, wait_no = 0, 0
        since: datetime | None = None
        last_notice: datetime | None = None
        while True:
            # New runs try once after the switchover: the first failure shows at once (H12)
            run.one_try = run.azure_wait_first_try and run.switchover_requested
            try:
                result = yield from attempt()
            except RunStopped as stop:
                run.one_try = False
                if not (run.switchover_requested and waitable(stop.code or "", stop.message)):
                    yield from self.gate.withdraw(WITHDRAWN_RUN_STOPPED)  # the run ends: nothing to ask
                    raise
                tries += 1
                if since is None:
                    since, self.waits = run.now, self.waits + 1
                    wait_no = self.waits
                    run.note(
                        timeline.NOTE, detail=f"waiting for Azure: {step}: {stop.message}", code=stop.code
                    )
                last_notice = yield from self._back_off(step, stop, tries, since, last_notice, wait_no)
                continue
            run.one_try = False
            # Azure answered while people were asked: the question is withdrawn (a decision the gate
            # took first stands, and a hand-over still stops the automation: the person was told so)
            decision, by = yield from self.gate.withdraw(WITHDRAWN_AZURE_BACK)
            if decision == HAND_OVER:
                raise self._handed_over(step, by)
            if since is not None:
                self.waited_seconds += (run.now - since).total_seconds()
                run.note(timeline.NOTE, detail=f"Azure answered again: {step} went on after {tries} retries")
                run.awaiting, run.azure_wait = None, None
                run.publish(step=step, message=f"Azure answered again; {step} goes on.")
            return result

    def _back_off(
        self, step: str, stop: RunStopped, tries: int, since: datetime, last_notice: datetime | None, n: int
    ) -> Generator[Any, Any, datetime | None]:
        """One back-off: publish, notify when due, sleep until the next try or a person's decision."""
        run = self.run
        next_try = run.now + backoff(tries, stop.message)
        if run.azure_wait_by_gate:
            self.gate.open(step, str(stop.code), stop.message)
        run.awaiting = AWAITING_AZURE
        run.azure_wait = {
            "n": n,
            "since": iso(since),
            "step": step,
            "code": stop.code,
            "message": stop.message[:500],
            "attempt": tries,
            "nextTry": iso(next_try),
            "gate": self.gate.name if self.gate.task is not None else None,
        }
        text = waiting_message(step, str(stop.code), stop.message, next_try, tries)
        run.publish(step="waiting for Azure", message=text.replace("{id}", run.run_id))
        while run.now < next_try:
            if notice_due(since, last_notice, run.now):
                yield from self._notify(step, text.replace("{id}", run.run_id))
                last_notice = run.now
            timer = run.ctx.create_timer(min(next_try, next_notice_at(since, last_notice)))
            if run.azure_wait_by_gate:
                asked = [self.gate.task] if self.gate.task is not None else []
                winner = yield from self.listener.await_any([timer, *asked])
                if winner is timer:
                    continue
                timer.cancel()
                decision, by = yield from self.gate.take()
                if decision == HAND_OVER:
                    raise self._handed_over(step, by)
                if decision is None:  # timed out: nobody decided, the run keeps waiting
                    run.azure_wait = {**(run.azure_wait or {}), "gate": None}
                    run.publish()
                    continue
                break  # retry now
            winner = yield from self.listener.await_any([timer, self._decision_task()])
            if winner is timer:
                continue
            timer.cancel()
            payload = event_payload(winner.result)
            self._decision = None
            if payload.get("wait") not in (None, n):  # sent for an earlier wait
                continue
            run.note(
                timeline.DECISION,
                gate=AZURE_WAIT_GATE,
                decision=payload.get("decision"),
                by=payload.get("by"),
                comment=payload.get("comment"),
            )
            if payload.get("decision") == HAND_OVER:
                raise self._handed_over(step, payload.get("by"))
            break  # retry now
        return last_notice

    def _handed_over(self, step: str, by: Any) -> RunStopped:
        return RunStopped(
            Outcome.LEFT_MANUAL,
            f"Handed over to manual work by {by} while waiting for Azure ({step}).",
            code="AZURE_WAIT_HANDED_OVER",
            advice=hand_over_advice(step, self.run.job_id),
        )

    def _notify(self, step: str, text: str) -> Generator[Any, Any, None]:
        run = self.run
        policy = run.request.approval
        message = {
            "kind": "azure-wait",
            "runId": run.run_id,
            "recipients": [*policy.approvers, *policy.escalate_to] or ["*"],
            "subject": f"Failback {run.request.item.label} is waiting for Azure ({step})",
            "text": text,
            "messageId": str(run.ctx.new_uuid()),
        }
        try:
            yield run.ctx.call_activity("notify", message)
        except Exception:  # a failed notice must not stop the wait
            run.note(timeline.NOTE, detail="could not notify the operators of the wait for Azure")
