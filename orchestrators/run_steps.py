"""The runbook's building blocks: activities, ASR jobs (start, wait, retry, abandon) and gates.

Each turns a lasting failure into ``RunStopped`` with the code and the advice for
the phase the run is in.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from domain import phases
from domain import report as reports
from domain.errors import parse_error, remedy_for
from domain.run_names import WAIT_ORCHESTRATOR, tracker_id
from orchestrators.approval_gate import call_gate
from orchestrators.durable import StepFailed, call_activity, log_info
from orchestrators.job_wait import wait_input
from orchestrators.run_cancel import CancellableRun
from orchestrators.run_state import FAILED, RunStopped
from orchestrators.safety import job_failure_advice
from orchestrators.variants import ActivityCall


class RunSteps(CancellableRun):
    """Activities, ASR jobs and approval gates of a run."""

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
        sla = self.request.reverse_sla
        wait = wait_input(
            self.facts.vault,
            job_id,
            self.phase,
            stop_when_suspended=stop_when_suspended,
            item=item or self.facts.item,
            until_protected=until_protected,
            rpo_sla_seconds=sla.rpo_sla_minutes * 60,
            max_wait_seconds=sla.max_wait_hours * 3600,
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
        """Ask people through ``approval_gate``; return its result (cancel answered meanwhile).

        A cancel deferred during phase 1 (``deferred_cancel``) is applied here instead of asking.
        """
        if self.deferred_cancel is not None:
            self.cancel_accepted = True
            by, reason = self.deferred_cancel.get("by"), self.deferred_cancel.get("reason")
            self.note(reports.DECISION, gate=gate, decision="cancel-accepted", by=by, comment=reason)
            return {"decision": "cancelled", "by": by, "comment": reason}
        policy = self.request.approval.to_dict()
        policy["timeoutSeconds"] = int(self.request.approval.timeout_hours * 3600)
        self.awaiting, self.open_gate = "approval", gate
        self.publish(step=f"awaiting {gate} approval")
        child = call_gate(
            self.ctx, run_id=self.run_id, gate=gate, policy=policy, summary=summary, initiator=self.initiator
        )
        result = dict((yield from self.await_task(child)) or {})
        self.awaiting, self.open_gate = None, None
        self.note(
            reports.DECISION,
            gate=gate,
            decision=result.get("decision"),
            by=result.get("by"),
            comment=result.get("comment"),
        )
        return result

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
