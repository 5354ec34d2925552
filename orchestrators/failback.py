"""Orchestrator ``failback_orchestrator``: the failback runbook (W1, seeds 000/001).

Input ``{runId, request: FailbackRequest dict, initiator}``; output the report
(``domain.report.build_report``). It reads like the seed's numbered steps:

1. pre-flight: check every precondition, change nothing (H2); a dry run stops here;
2. sync phase 1 (before-failover): start the planned failover, wait until ASR suspends;
3. approval gate: a person approves the shutdown in Azure (W2);
4. maintenance window: wait for it; a closed window asks for approval again;
5. switchover: resume the job (or, during-failover, start it): Azure VM off, data
   transferred, on-premises VM on;
6. verify with Azure Monitor Logs (H6); a failure holds for a human decision;
7. commit (H7); 8. reverse replication until protected again (H8); 9. report.

The steps of a kind (Hyper-V today) come from ``orchestrators.variants``; the rules
on cancelling and after failures from ``orchestrators.safety``. Deterministic: no
I/O, clock, uuid, random or environment here, only ``context`` and pure code.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskBase

from domain import phases
from domain import report as reports
from domain.approval_summary import phase1_result, switchover_facts
from domain.errors import parse_error, remedy_for
from domain.items import item_ref
from domain.preflight import failure_summary
from domain.request import FailbackRequest
from domain.runs import dry_run_plan, estimate_downtime
from domain.sync_policy import resolve_data_sync
from orchestrators.approval_gate import call_gate
from orchestrators.durable import StepFailed, call_activity, event_payload, iso, log_info
from orchestrators.job_wait import WAIT_ORCHESTRATOR, tracker_id, wait_input
from orchestrators.safety import cancel_verdict, job_failure_advice
from orchestrators.variants import ActivityCall, RunFacts, variant_for

bp = df.Blueprint()

ORCHESTRATOR = "failback_orchestrator"
CANCEL_EVENT = "CancelRequest"
VERIFICATION_EVENT = "VerificationDecision"
#: How long a failed verification holds for a decision; the run never commits by itself.
DECISION_TIMEOUT = timedelta(days=3)
#: Between two verification attempts.
VERIFY_POLL = timedelta(minutes=2)
#: After a cancel request was answered mid-step, re-listen with a timer this long (see await_any).
KEEPALIVE = timedelta(hours=1)
#: Timeline events also shown in the custom status (bounded: it must stay far below 16 KB).
MILESTONES = (
    reports.PHASE_STARTED,
    reports.PHASE_FINISHED,
    reports.JOB_STARTED,
    reports.JOB_ADOPTED,
    reports.JOB_FINISHED,
    reports.DECISION,
    reports.AZURE_VM_SHUTDOWN,
    reports.ONPREM_VERIFIED,
)
MAX_STATUS_TIMELINE = 40
GATE_SWITCHOVER = "switchover"
GATE_VERIFICATION = "verification"
GATE_WINDOW = "window"

# Outcomes of a run (the report's ``outcome``).
SUCCEEDED = "succeeded"
REJECTED = "rejected"
DRY_RUN = "dry-run"
NOT_APPROVED = "not-approved"
CANCELLED = "cancelled"
FAILED = "failed"
LEFT_MANUAL = "left-manual"
WINDOW_MISSED = "window-missed"


class RunStopped(Exception):  # noqa: N818 - a control-flow signal, mostly not an error
    """The run ends before the end of the runbook, with an outcome and what to do next."""

    def __init__(
        self, outcome: str, message: str, *, code: str | None = None, advice: str | None = None
    ) -> None:
        self.outcome = outcome
        self.message = message
        self.code = code
        self.advice = advice
        super().__init__(f"{outcome}: {message}")

    def error(self) -> dict[str, Any] | None:
        """``{code, message, remedy}`` for the report, or ``None`` for a clean stop."""
        if self.code is None:
            return None
        return {"code": self.code, "message": self.message, "remedy": self.advice or remedy_for(self.code)}


class FailbackRun:
    """One failback run, replayed from history on every episode.

    Attributes kept here are rebuilt by replay; nothing else persists.
    """

    def __init__(self, context: df.DurableOrchestrationContext) -> None:
        self.ctx = context
        data = event_payload(context.get_input())
        self.run_id = str(data.get("runId") or context.instance_id)
        self.request_dict: dict[str, Any] = dict(data["request"])
        self.request = FailbackRequest.from_dict(self.request_dict)
        self.initiator = str(data.get("initiator") or "anonymous")
        self.variant = variant_for(self.request.kind)
        self.timeline: list[Mapping[str, Any]] = []
        self.phase = phases.PREFLIGHT
        self.step = "starting"
        self.awaiting: str | None = None
        self.message = ""
        self.job_id: str | None = None
        self.tracker: str | None = None
        self.progress: dict[str, Any] | None = None
        self.facts: RunFacts | None = None
        self.preflight_result: dict[str, Any] | None = None
        self.verification: dict[str, Any] | None = None
        self.switchover_done = False
        self.cancel_answer: dict[str, Any] | None = None
        self.cancel_accepted = False
        self._cancel_waiter: TaskBase | None = None
        self.plan: dict[str, Any] | None = None
        self.phase1: dict[str, Any] | None = None  # sync phase 1's job result, for the approver
        self.checklist: list[Any] | None = None  # V3 items the approver attests (variants)
        self._waits = 0  # job waits so far: each gets its own tracker id

    # ------------------------------------------------------------------ plumbing

    @property
    def now(self) -> datetime:
        """The orchestration's deterministic time."""
        return self.ctx.current_utc_datetime

    def note(self, event: str, **detail: Any) -> None:
        """Append a timeline entry at the current time."""
        self.timeline.append(reports.timeline_entry(iso(self.now), self.phase, event, **detail))

    def publish(self, step: str | None = None, message: str | None = None) -> None:
        """Set the custom status (docs/contracts.md §6), kept small."""
        if step is not None:
            self.step = step
        if message is not None:
            self.message = message
        status: dict[str, Any] = {
            "phase": self.phase,
            "step": self.step,
            "progress": self.progress,
            "jobId": self.job_id,
            "awaiting": self.awaiting,
            "message": self.message,
        }
        if self.tracker:
            status["tracker"] = self.tracker
        status["timeline"] = self._compact_timeline()
        if self.cancel_answer:
            status["cancel"] = self.cancel_answer
        self.ctx.set_custom_status(status)

    def _compact_timeline(self) -> list[dict[str, Any]]:
        # The milestones only, so GET /api/failbacks/{id} can show them while the run is live;
        # the full timeline is in the report.
        keep = ("at", "phase", "event", "jobId", "state", "decision", "by", "gate")
        out = [{k: e[k] for k in keep if k in e} for e in self.timeline if e.get("event") in MILESTONES]
        return out[-MAX_STATUS_TIMELINE:]

    def enter(self, phase: str) -> None:
        """Start a phase: timeline, status, log."""
        self.phase = phase
        self.awaiting = None
        self.progress = None
        self.tracker = None
        self.note(reports.PHASE_STARTED)
        self.publish(step="started", message=phases.DESCRIPTIONS.get(phase, phase))
        log_info(
            self.ctx, f"run {self.run_id}: phase {phase}", runId=self.run_id, phase=phase, jobId=self.job_id
        )

    def leave(self) -> None:
        """Finish the current phase."""
        self.note(reports.PHASE_FINISHED)

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

    def activity(self, call: ActivityCall) -> Generator[Any, Any, Any]:
        """Run an activity with transient-failure retries; a lasting failure stops the run."""
        try:
            # runId and phase let the activity's structured logs name the run (activities.asr_common).
            payload = {**call.input, "runId": self.run_id, "phase": self.phase}
            return (yield from call_activity(self.ctx, call.name, payload, self.await_task))
        except StepFailed as failure:
            raise RunStopped(
                FAILED,
                f"{call.name}: {failure.message}",
                code=failure.code,
                advice=self._advice(failure.code),
            ) from None

    def _advice(self, code: str) -> str:
        if self.phase in (phases.SYNC, phases.SWITCHOVER, phases.COMMIT, phases.REPROTECT):
            return f"{remedy_for(code)} {job_failure_advice(self.phase)}"
        return remedy_for(code)

    def wait_job(
        self,
        job_id: str,
        *,
        stop_when_suspended: bool = False,
        until_protected: bool = False,
        item: dict[str, Any] | None = None,
    ) -> Generator[Any, Any, dict[str, Any]]:
        """Follow an ASR job in ``wait_for_asr_job``; a failed or cancelled job stops the run."""
        assert self.facts is not None
        self._waits += 1
        # A phase may wait on several jobs (retries, one per plan item): one tracker id each.
        step = self.phase if self._waits == 1 else f"{self.phase}-{self._waits}"
        self.tracker = tracker_id(self.run_id, step)
        self.publish(step="waiting-for-job")
        wait = wait_input(
            self.facts.vault,
            job_id,
            self.phase,
            stop_when_suspended=stop_when_suspended,
            item=item or self.facts.item,
            until_protected=until_protected,
        )
        if self.request.extra.get("sharedPolling"):
            wait["shared"] = True  # waves: vault-level job polling (orchestrators.vault_jobs)
        wait["runId"] = self.run_id  # for the structured logs of its reads
        child = self.ctx.call_sub_orchestrator(WAIT_ORCHESTRATOR, wait, self.tracker)
        try:
            result = yield from self.await_task(child)
        except Exception as exc:
            code, message = parse_error(str(exc))
            raise RunStopped(FAILED, message, code=code, advice=self._advice(code)) from None
        state = result.get("state")
        snapshot = result.get("snapshot") or {}
        self.tracker = None
        self.progress = {"task": None, "percent": 100.0 if state == "Succeeded" else None, "etaSeconds": None}
        self.note(reports.JOB_FINISHED, jobId=job_id, state=state, operation=self.phase)
        if state in ("Failed", "Cancelled", "Canceled"):
            errors = snapshot.get("errors") or []
            detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors) or "no error details"
            code = "ASR_JOB_FAILED" if state == "Failed" else "ASR_JOB_CANCELLED"
            raise RunStopped(
                FAILED,
                f"ASR job {job_id} {state.lower()}: {detail}",
                code=code,
                advice=job_failure_advice(self.phase),
            )
        return dict(result)

    def start_job(self, call: ActivityCall) -> Generator[Any, Any, str]:
        """Run an ASR-changing activity (``{jobId, adopted}``) and record its job."""
        self.publish(step=f"calling {call.name}")
        started = yield from self.activity(call)
        self.job_id = str(started["jobId"])
        event = reports.JOB_ADOPTED if started.get("adopted") else reports.JOB_STARTED
        self.note(event, jobId=self.job_id, operation=self.phase)
        log_info(
            self.ctx,
            f"{call.name}: job {self.job_id}",
            runId=self.run_id,
            phase=self.phase,
            jobId=self.job_id,
        )
        return self.job_id

    def gate(self, gate: str, summary: dict[str, Any]) -> Generator[Any, Any, dict[str, Any]]:
        """Ask people through ``approval_gate``; return its result (cancel answered meanwhile)."""
        policy = self.request.approval.to_dict()
        policy["timeoutSeconds"] = int(self.request.approval.timeout_hours * 3600)
        self.awaiting = "approval"
        self.publish(step=f"awaiting {gate} approval")
        child = call_gate(
            self.ctx, run_id=self.run_id, gate=gate, policy=policy, summary=summary, initiator=self.initiator
        )
        result = dict((yield from self.await_task(child)) or {})
        self.awaiting = None
        self.note(
            reports.DECISION,
            gate=gate,
            decision=result.get("decision"),
            by=result.get("by"),
            comment=result.get("comment"),
        )
        return result

    # ------------------------------------------------------------------ phases

    def preflight(self) -> Generator[Any, Any, None]:
        """1. Check every precondition (H2); nothing changes in ASR."""
        self.enter(phases.PREFLIGHT)
        self.publish(step="checking")
        result = yield from self.activity(self.variant.preflight(self.request, self.request_dict))
        self.preflight_result = {"passed": result.get("passed"), "checks": result.get("checks") or []}
        self.checklist = result.get("checklist")
        facts = dict(result.get("facts") or {})
        sync = resolve_data_sync(self.request.data_sync, facts, self.request.location, self.now)
        if result.get("recommendation", {}).get("source") == "variant":
            sync = dict(result["recommendation"])  # the variant decides how data is synchronized
        details = {k: result[k] for k in ("inputs", "plan") if k in result}
        ref = result.get("item") or (item_ref(facts) if facts.get("name") else {})
        self.facts = RunFacts(self.request, ref, sync, facts, details)
        self.note(
            reports.NOTE,
            passed=bool(result.get("passed")),
            dataSync=sync["dataSyncOption"],
            reason=sync["reason"],
        )
        if self.cancel_accepted:
            raise RunStopped(CANCELLED, "Cancelled during pre-flight; nothing was changed in ASR.")
        if self.request.dry_run:
            self.plan = dry_run_plan(self.request, facts, sync, self.preflight_result)
            raise RunStopped(DRY_RUN, "Dry run: pre-flight done, the plan is in the report; nothing changed.")
        if not result.get("passed"):
            raise RunStopped(
                REJECTED, failure_summary(self.preflight_result["checks"]), code="PREFLIGHT_FAILED"
            )
        self.leave()

    def sync_phase_1(self) -> Generator[Any, Any, None]:
        """2. Start the planned failover (adopting one under way); wait until ASR suspends the job."""
        assert self.facts is not None
        result: dict[str, Any] = {}
        for call in self.variant.start_steps(self.facts):
            result = yield from self.job_with_retries(call, stop_when_suspended=True)
        self.phase1 = phase1_result(result, self.job_id)  # job, state, data synchronized: for the approver
        if result.get("state") == "Succeeded" and self.variant.suspends_after_start(self.facts):
            # Resumed outside the workflow: the switchover already happened.
            self.switchover_done = True
            self.note(
                reports.NOTE, detail="job completed without waiting for approval (resumed outside the run)"
            )

    def approval(self) -> Generator[Any, Any, None]:
        """3. The approval gate (W2): reject, timeout or cancel keep the Azure VM running."""
        assert self.facts is not None
        summary = {
            "item": self.facts.item.get("name") or self.request.item.label,
            "friendlyName": self.facts.facts.get("friendlyName"),
            "jobId": self.job_id,
            "initiator": self.initiator,
            "what": "Approve to shut down the Azure VM and start the on-premises VM.",
            # vm, dataToTransferGB, downtimeEstimateMinutes, expectedDowntime, recommendation (contracts §7)
            **switchover_facts(self.facts.facts, self.facts.sync),
        }
        if self.preflight_result:  # the approval page shows what was checked, with evidence
            summary["preflight"] = self.preflight_result["checks"]
        if self.phase1:
            summary["phase1"] = self.phase1
        if self.checklist:
            summary["checklist"] = self.checklist  # V3 rules no API shows: the approver attests them
        approved = self.request.extra.get("preApproved")
        if approved:  # waves: the wave's gate already decided for every VM in it
            self.note(
                reports.DECISION,
                gate=GATE_SWITCHOVER,
                decision="approved",
                by=approved.get("by"),
                comment=approved.get("gate"),
            )
            return
        result = yield from self.gate(GATE_SWITCHOVER, summary)
        if self.cancel_accepted or result.get("decision") == "cancelled":
            yield from self.abandon(
                CANCELLED, "Cancelled while waiting for approval; the Azure VM keeps running."
            )
        if result.get("decision") != "approved":
            yield from self.abandon(
                NOT_APPROVED,
                f"Approval {result.get('decision')}: the Azure VM keeps running; a new failback can start.",
            )

    def window(self) -> Generator[Any, Any, None]:
        """4. Wait for the maintenance window; a closed or closing window asks for approval again."""
        assert self.facts is not None and self.request.maintenance_window is not None
        start, end = self.request.maintenance_window.bounds()
        if self.now < start:
            self.awaiting = "window"
            self.publish(
                step="waiting for the window", message=f"Waiting for the maintenance window at {iso(start)}"
            )
            timer = self.ctx.create_timer(start)
            done = yield from self.await_any([timer], stop_on_cancel=True)
            self.awaiting = None
            if done is None:
                yield from self.abandon(CANCELLED, "Cancelled while waiting for the maintenance window.")
        needed = timedelta(
            seconds=estimate_downtime(float(self.facts.facts.get("diskSizeGB") or 0), self.facts.data_sync)[
                "seconds"
            ]
        )
        if self.now + needed > end:
            self.note(reports.NOTE, detail=f"maintenance window closes at {iso(end)}; holding for a decision")
            result = yield from self.gate(
                GATE_WINDOW,
                {
                    "what": "The maintenance window has closed (or closes before the switchover can finish). "
                    "Approve to switch over now anyway, or reject to leave the VM in Azure.",
                    "windowEnd": iso(end),
                    "jobId": self.job_id,
                },
            )
            if self.cancel_accepted or result.get("decision") != "approved":
                outcome = CANCELLED if self.cancel_accepted else WINDOW_MISSED
                yield from self.abandon(outcome, "Maintenance window missed: the Azure VM keeps running.")

    def switchover(self) -> Generator[Any, Any, None]:
        """5. Shut down the Azure VM, transfer the remaining data, start the on-premises VM."""
        assert self.facts is not None
        self.note(reports.AZURE_VM_SHUTDOWN, jobId=self.job_id)
        job_id = yield from self.start_job(self.variant.switchover(self.facts, self.job_id))
        yield from self.wait_job(job_id)

    def verify(self) -> Generator[Any, Any, None]:
        """6. Check the on-premises VM with Azure Monitor Logs; on failure hold for a person (H6)."""
        assert self.facts is not None
        check = self.request.verification
        since = self.now
        deadline = since + timedelta(minutes=check.window_minutes)
        payload = {
            "workspaceId": check.workspace_id,
            "computer": check.computer,
            "since": iso(since),
            "checks": [c.to_dict() for c in check.checks],
        }
        computers = self.variant.computers(self.facts)
        attempt = 0
        while True:
            attempt += 1
            self.publish(step=f"verification attempt {attempt}")
            results = []
            for computer in computers:  # a recovery plan checks each of its VMs
                call = ActivityCall("verify_onprem", {**payload, "computer": computer})
                results.append((yield from self.activity(call)))
            self.verification = results[0] if len(results) == 1 else merge_verifications(computers, results)
            if self.verification.get("passed"):
                break
            if self.now + VERIFY_POLL > deadline:
                yield from self.hold_for_decision()
                return
            yield from self.await_task(self.ctx.create_timer(self.now + VERIFY_POLL))
        if check.human_confirmation:
            result = yield from self.gate(
                GATE_VERIFICATION,
                {
                    "what": "Sign in to the on-premises VM and confirm it works; approving commits the "
                    "failover.",
                    "computer": check.computer,
                    "verification": self.verification,
                },
            )
            if result.get("decision") != "approved":
                yield from self.hold_for_decision()
                return
        self.note(reports.ONPREM_VERIFIED, computer=", ".join(computers))

    def hold_for_decision(self) -> Generator[Any, Any, None]:
        """Verification failed: no commit until a person decides; never commit on timeout."""
        failed = [c.get("name") for c in (self.verification or {}).get("checks") or [] if not c.get("passed")]
        self.awaiting = "verification-decision"
        self.publish(
            step="holding",
            message=(
                f"Verification failed ({', '.join(str(n) for n in failed) or 'no heartbeat'}). "
                "Not committed. "
                f"POST /api/failbacks/{self.run_id}/verification with commit-anyway or leave-manual."
            ),
        )
        decision = self.ctx.wait_for_external_event(VERIFICATION_EVENT)
        timeout = self.ctx.create_timer(self.now + DECISION_TIMEOUT)
        winner = yield from self.await_any([decision, timeout])
        self.awaiting = None
        if winner is decision:
            timeout.cancel()
            payload = event_payload(decision.result)
            choice = payload.get("decision")
            self.note(
                reports.DECISION,
                gate="verification-decision",
                decision=choice,
                by=payload.get("by"),
                comment=payload.get("comment"),
            )
            if choice == "commit-anyway":
                self.note(
                    reports.ONPREM_VERIFIED,
                    computer=self.request.verification.computer,
                    by=payload.get("by"),
                    manual=True,
                )
                return
            raise RunStopped(
                LEFT_MANUAL,
                "Verification failed; left for manual work by decision. Not committed.",
                code="VERIFY_FAILED",
            )
        self.note(reports.DECISION, gate="verification-decision", decision="timeout", by=None)
        raise RunStopped(
            LEFT_MANUAL,
            "Verification failed and nobody decided in time; not committed.",
            code="VERIFY_FAILED",
        )

    def commit(self) -> Generator[Any, Any, None]:
        """7. Commit the failover (deletes the Azure VM and its disks, H7)."""
        assert self.facts is not None
        job_id = yield from self.start_job(self.variant.commit(self.facts))
        yield from self.wait_job(job_id)

    def reprotect(self) -> Generator[Any, Any, None]:
        """8. Reverse replication, then wait until the item is protected again (H8)."""
        assert self.facts is not None
        for call in self.variant.reprotect_steps(self.facts):
            yield from self.job_with_retries(call, until_protected=True, item=call.input.get("item"))

    def job_with_retries(self, call: ActivityCall, **wait: Any) -> Generator[Any, Any, dict[str, Any]]:
        """Start an ASR operation and wait for its job; retry after a durable timer when the variant says so.

        V4: a VMware re-protect fails with "agent not installed" until the VM's mobility agent
        has registered (up to 15 minutes after the VM started); the variant asks for a retry.
        """
        assert self.facts is not None
        first = self.now
        while True:
            job_id = yield from self.start_job(call)
            try:
                return (yield from self.wait_job(job_id, **wait))
            except RunStopped as stop:
                delay = self.variant.retry_delay(self.facts, self.phase, stop.message, self.now - first)
                if delay is None or stop.code != "ASR_JOB_FAILED":
                    raise
                self.note(reports.NOTE, detail=f"retrying in {delay}: {stop.message}", jobId=job_id)
                self.publish(step="waiting to retry", message=f"Retrying in {delay}: {stop.message}")
                yield from self.await_task(self.ctx.create_timer(self.now + delay))

    def abandon(self, outcome: str, message: str) -> Generator[Any, Any, None]:
        """Leave ASR where a new failback can start: cancel a job suspended after sync phase 1.

        Only a job that is Suspended (not synchronizing, H10) is cancelled; the
        ``cancel_job`` activity re-checks that. Always ends the run with ``outcome``.
        """
        if self.job_id is None or self.facts is None or not self.variant.suspends_after_start(self.facts):
            raise RunStopped(outcome, message)
        phase, self.phase = self.phase, "abandon"
        self.publish(step="cancelling the suspended job")
        try:
            yield from self.start_job(self.variant.abandon(self.facts, self.job_id))
            yield from self.wait_job(self.job_id)
        except RunStopped as stop:
            if stop.code == "ASR_JOB_CANCELLED":  # what we asked for
                self.phase = phase
                raise RunStopped(outcome, f"{message} The suspended ASR job was cancelled.") from None
            self.phase = phase
            raise RunStopped(
                outcome, f"{message} {stop.message}", code=stop.code, advice=job_failure_advice("abandon")
            ) from None
        self.phase = phase
        raise RunStopped(outcome, message)

    # ------------------------------------------------------------------ runbook

    STEPS: dict[str, Callable[[FailbackRun], Generator[Any, Any, None]]] = {
        phases.SYNC: sync_phase_1,
        phases.APPROVAL: approval,
        phases.WINDOW: window,
        phases.SWITCHOVER: switchover,
        phases.VERIFY: verify,
        phases.COMMIT: commit,
        phases.REPROTECT: reprotect,
    }
    #: Skipped once the switchover happened (e.g. the job was resumed outside the run).
    BEFORE_SWITCHOVER = (phases.APPROVAL, phases.WINDOW, phases.SWITCHOVER)

    def execute(self) -> Generator[Any, Any, dict[str, Any]]:
        """Run the phases in the variant's order and return the report."""
        self.note(reports.NOTE, detail="run started", by=self.initiator)
        outcome, error, message = SUCCEEDED, None, "Failback completed."
        try:
            yield from self.preflight()
            assert self.facts is not None
            for phase in self.variant.phase_order(self.facts):
                if phase == phases.REPORT or (self.switchover_done and phase in self.BEFORE_SWITCHOVER):
                    continue
                self.enter(phase)
                yield from self.STEPS[phase](self)
                self.leave()
        except RunStopped as stop:
            outcome, error, message = stop.outcome, stop.error(), stop.message
            self.note(reports.NOTE, outcome=outcome, detail=message)
        return (yield from self.finish(outcome, error, message))

    def finish(
        self, outcome: str, error: dict[str, Any] | None, message: str
    ) -> Generator[Any, Any, dict[str, Any]]:
        """9. Build the report, post it to the callback URL, publish the final status."""
        self.phase = phases.REPORT
        self.awaiting = None
        self.tracker = None
        facts = self.facts.facts if self.facts else None
        report = reports.build_report(
            run_id=self.run_id,
            request=self.request_dict,
            outcome=outcome,
            timeline=self.timeline,
            item=facts,
            data_sync=self.facts.sync if self.facts else None,
            preflight=self.preflight_result,
            verification=self.verification,
            error=error,
            os_type=(facts or {}).get("osType"),
        )
        report["message"] = message
        report["initiator"] = self.initiator
        if self.request.kind == "recovery-plan":  # V6 follows the plan's VMs (VMware or Hyper-V)
            family = str((facts or {}).get("provider") or "")
            report["afterEffects"] = reports.after_effects(family, (facts or {}).get("osType"))
        if self.plan is not None:
            report["plan"] = self.plan
        # The HTTP layer sealed the callback URL (its sig= is a secret); only post_callback opens it.
        sealed = event_payload(self.ctx.get_input()).get("callback") or {}
        target = {"sealed": sealed["sealed"]} if sealed.get("sealed") else {"url": self.request.callback_url}
        shown = {"host": sealed["host"]} if sealed.get("host") else {}
        if sealed.get("sealed") or self.request.callback_url:
            try:
                yield from self.activity(ActivityCall("post_callback", {**target, **shown, "body": report}))
                report["callback"] = {"posted": True, **shown}
            except RunStopped as stop:  # the run's result stands; the callback is best effort
                report["callback"] = {"posted": False, **shown, "error": stop.message}
        self.publish(step=outcome, message=message)
        log_info(self.ctx, f"run {self.run_id} ended: {outcome}", runId=self.run_id, outcome=outcome)
        return report


@bp.orchestration_trigger(context_name="context")
def failback_orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Run one failback (docs/workflow.md); a waves request runs its own orchestration (issue 7)."""
    data = event_payload(context.get_input())
    if (data.get("request") or {}).get("kind") == "waves":
        from orchestrators.waves import run_waves

        return (yield from run_waves(context))
    return (yield from FailbackRun(context).execute())


def merge_verifications(computers: list[str], results: list[dict[str, Any]]) -> dict[str, Any]:
    """One verification result for several VMs: passed when every VM passed."""
    checks = [
        {**c, "name": f"{computer}: {c.get('name')}"}
        for computer, result in zip(computers, results, strict=True)
        for c in result.get("checks") or []
    ]
    return {"passed": all(r.get("passed") for r in results), "checks": checks}


__all__ = ["ORCHESTRATOR", "FailbackRun", "bp", "failback_orchestrator"]
