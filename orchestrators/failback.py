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

Split by job: ``run_state`` (state, timeline, custom status, outcomes),
``run_cancel`` (answering cancel requests), ``run_steps`` (activities, jobs,
gates), ``run_phases`` (phases 1-8); this module runs them in order and reports.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import azure.durable_functions as df

from domain import phases
from domain import report as reports
from domain.run_names import FAILBACK_ORCHESTRATOR
from orchestrators.durable import event_payload, log_info
from orchestrators.run_cancel import KEEPALIVE
from orchestrators.run_phases import DECISION_TIMEOUT, VERIFY_POLL, RunPhases, merge_verifications
from orchestrators.run_state import (
    CANCEL_EVENT,
    CANCELLED,
    DRY_RUN,
    FAILED,
    GATE_SWITCHOVER,
    GATE_VERIFICATION,
    GATE_WINDOW,
    LEFT_MANUAL,
    MAX_STATUS_TIMELINE,
    MILESTONES,
    NOT_APPROVED,
    REJECTED,
    SUCCEEDED,
    VERIFICATION_EVENT,
    WINDOW_MISSED,
    RunStopped,
)
from orchestrators.variants import ActivityCall

bp = df.Blueprint()

ORCHESTRATOR = FAILBACK_ORCHESTRATOR


class FailbackRun(RunPhases):
    """One failback run: the phases in the variant's order, then the report."""

    STEPS: dict[str, Callable[[RunPhases], Generator[Any, Any, None]]] = {
        phases.SYNC: RunPhases.sync_phase_1,
        phases.APPROVAL: RunPhases.approval,
        phases.WINDOW: RunPhases.window,
        phases.SWITCHOVER: RunPhases.switchover,
        phases.VERIFY: RunPhases.verify,
        phases.COMMIT: RunPhases.commit,
        phases.REPROTECT: RunPhases.reprotect,
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
            outcome, error, message = stop.outcome, stop.error(), stop.message  # type: ignore[assignment]
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
        after_effects = self.variant.after_effects(facts)
        if after_effects is not None:
            report["afterEffects"] = after_effects
        if self.plan is not None:
            report["plan"] = self.plan
        if self.reprotection is not None:
            report["reverseReplication"] = self.reprotection
            if self.reprotection["timedOut"]:
                report["warnings"] = [
                    "The failback succeeded, but reverse replication did not reach the RPO SLA "
                    f"({self.reprotection['rpoSlaSeconds']:g} s) within "
                    f"{self.request.reverse_sla.max_wait_hours:g} h: the VM is not protected to Azure "
                    f"as required yet (state {self.reprotection['protectionState']}, "
                    f"RPO {self.reprotection['rpoSeconds']} s). Check replication health in the vault."
                ]
                message = f"{message} Warning: {report['warnings'][0]}"
                report["message"] = message
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


__all__ = [
    "CANCELLED",
    "CANCEL_EVENT",
    "DECISION_TIMEOUT",
    "DRY_RUN",
    "FAILED",
    "GATE_SWITCHOVER",
    "GATE_VERIFICATION",
    "GATE_WINDOW",
    "KEEPALIVE",
    "LEFT_MANUAL",
    "MAX_STATUS_TIMELINE",
    "MILESTONES",
    "NOT_APPROVED",
    "ORCHESTRATOR",
    "REJECTED",
    "SUCCEEDED",
    "VERIFICATION_EVENT",
    "VERIFY_POLL",
    "WINDOW_MISSED",
    "FailbackRun",
    "RunStopped",
    "bp",
    "failback_orchestrator",
    "merge_verifications",
]
