"""Activities and ASR jobs of a run: call, start, wait (``wait_for_asr_job``), retry, abandon.

Each turns a lasting failure into ``RunStopped`` with the code and the advice for the
phase the run is in.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

from domain import phases, timeline
from domain.contracts import ItemRef, JobWaitResult
from domain.errors import parse_error, remedy_for
from domain.run_names import WAIT_ORCHESTRATOR, Outcome, tracker_id
from orchestrators.durable import MAX_ATTEMPTS, StepFailed, call_activity, log_info
from orchestrators.job_wait import shared_write, wait_input
from orchestrators.runbook.cancel import CancelListener
from orchestrators.runbook.state import RunState, RunStopped
from orchestrators.safety import job_failure_advice
from orchestrators.variants import ActivityCall


class Jobs:
    """The run's activity calls and ASR jobs; every wait answers cancel requests."""

    def __init__(self, run: RunState, listener: CancelListener) -> None:
        self.run = run
        self.listener = listener
        self._waits = 0  # job waits so far: each gets its own tracker id

    def activity(self, call: ActivityCall) -> Generator[Any, Any, Any]:
        """Run an activity with transient-failure retries; a lasting failure stops the run."""
        run = self.run
        try:
            # runId and phase let the activity's structured logs name the run (activities.asr_common).
            payload = {**call.input, "runId": run.run_id, "phase": run.phase}
            attempts = 1 if run.one_try else MAX_ATTEMPTS  # one try: the wait for Azure retries (H12)
            return (yield from call_activity(run.ctx, call.name, payload, self.listener.await_task, attempts))
        except StepFailed as failure:
            raise RunStopped(
                Outcome.FAILED,
                f"{call.name}: {failure.message}",
                code=failure.code,
                advice=self._advice(failure.code),
            ) from None

    def _advice(self, code: str) -> str:
        if self.run.phase in (phases.SYNC, phases.SWITCHOVER, phases.COMMIT, phases.REPROTECT):
            return f"{remedy_for(code)} {job_failure_advice(self.run.phase)}"
        return remedy_for(code)

    def wait(
        self,
        job_id: str,
        *,
        stop_when_suspended: bool = False,
        until_protected: bool = False,
        item: ItemRef | None = None,
    ) -> Generator[Any, Any, JobWaitResult]:
        """Follow an ASR job in ``wait_for_asr_job``; a failed or cancelled job stops the run."""
        run = self.run
        facts = run.run_facts()
        self._waits += 1
        # A phase may wait on several jobs (retries, one per plan item): one tracker id each.
        step = run.phase if self._waits == 1 else f"{run.phase}-{self._waits}"
        run.tracker = tracker_id(run.run_id, step)
        run.publish(step="waiting-for-job")
        sla = run.request.reverse_sla
        wait = wait_input(
            facts.vault,
            job_id,
            run.phase,
            stop_when_suspended=stop_when_suspended,
            item=item or facts.item,
            until_protected=until_protected,
            rpo_sla_seconds=sla.rpo_sla_minutes * 60,
            max_wait_seconds=sla.max_wait_hours * 3600,
        )
        if run.request.extra.get("sharedPolling"):
            wait["shared"] = True  # waves: vault-level job polling (activities.vault_cache)
        wait["runId"] = run.run_id  # for the structured logs of its reads
        if run.one_try:
            wait["attempts"] = 1  # a failed read ends the child at once: the run waits for Azure visibly
        child = run.ctx.call_sub_orchestrator(WAIT_ORCHESTRATOR, wait, run.tracker)
        try:
            result = yield from self.listener.await_task(child)
        except Exception as exc:
            code, message = parse_error(str(exc))
            raise RunStopped(Outcome.FAILED, message, code=code, advice=self._advice(code)) from None
        run.job_id = str(result.get("jobId") or job_id)  # waves: the job the wait found (G3/G4)
        state = result.get("state")
        snapshot = result.get("snapshot") or {}
        run.tracker = None
        run.progress = {"task": None, "percent": 100.0 if state == "Succeeded" else None, "etaSeconds": None}
        run.note(timeline.JOB_FINISHED, jobId=job_id, state=state, operation=run.phase)
        if state in ("Failed", "Cancelled", "Canceled"):
            errors = snapshot.get("errors") or []
            detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors) or "no error details"
            code = "ASR_JOB_FAILED" if state == "Failed" else "ASR_JOB_CANCELLED"
            raise RunStopped(
                Outcome.FAILED,
                f"ASR job {job_id} {state.lower()}: {detail}",
                code=code,
                advice=job_failure_advice(run.phase),
            )
        return cast(JobWaitResult, dict(result))  # the child's output (JSON) as its contract

    def start(self, call: ActivityCall) -> Generator[Any, Any, str]:
        """Run an ASR-changing activity (``{jobId, adopted}``) and record its job."""
        run = self.run
        run.publish(step=f"calling {call.name}")
        call = yield from shared_write(run.ctx, call, run.request.extra, self.listener.await_task)  # waves
        started = yield from self.activity(call)
        run.job_id = str(started["jobId"])
        event = timeline.JOB_ADOPTED if started.get("adopted") else timeline.JOB_STARTED
        run.note(event, jobId=run.job_id, operation=run.phase)
        log_info(
            run.ctx, f"{call.name}: job {run.job_id}", runId=run.run_id, phase=run.phase, jobId=run.job_id
        )
        return run.job_id

    def run_to_end(self, call: ActivityCall, **wait: Any) -> Generator[Any, Any, JobWaitResult]:
        """Start an ASR operation and wait for its job; retry after a durable timer when the variant says so.

        V4: a VMware re-protect fails with "agent not installed" until the VM's mobility agent
        has registered (up to 15 minutes after the VM started); the variant asks for a retry.
        """
        run = self.run
        facts = run.run_facts()
        first = run.now
        while True:
            job_id = yield from self.start(call)
            try:
                return (yield from self.wait(job_id, **wait))
            except RunStopped as stop:
                delay = run.variant.retry_delay(facts, run.phase, stop.message, run.now - first)
                if delay is None or stop.code != "ASR_JOB_FAILED":
                    raise
                run.note(timeline.NOTE, detail=f"retrying in {delay}: {stop.message}", jobId=job_id)
                run.publish(step="waiting to retry", message=f"Retrying in {delay}: {stop.message}")
                yield from self.listener.await_task(run.ctx.create_timer(run.now + delay))

    def abandon(self, outcome: Outcome, message: str) -> Generator[Any, Any, None]:
        """Leave ASR where a new failback can start: cancel a job suspended after sync phase 1.

        Only a job that is Suspended (not synchronizing, H10) is cancelled; the
        ``cancel_job`` activity re-checks that. Always ends the run with ``outcome``.
        """
        run = self.run
        if run.job_id is None or run.facts is None or not run.variant.suspends_after_start(run.facts):
            raise RunStopped(outcome, message)
        phase, run.phase = run.phase, "abandon"
        run.publish(step="cancelling the suspended job")
        try:
            yield from self.start(run.variant.abandon(run.facts, run.job_id))
            yield from self.wait(run.job_id)
        except RunStopped as stop:
            run.phase = phase
            if stop.code == "ASR_JOB_CANCELLED":  # what we asked for
                raise RunStopped(outcome, f"{message} The suspended ASR job was cancelled.") from None
            raise RunStopped(
                outcome, f"{message} {stop.message}", code=stop.code, advice=job_failure_advice("abandon")
            ) from None
        run.phase = phase
        raise RunStopped(outcome, message)
