"""Orchestrator ``failback_orchestrator``: the failback runbook (W1, seeds 000/001), step by step.

Input ``{runId, request: FailbackRequest dict, initiator, callback?}``; output the report
(``domain.report.build_report``). The variant of the request's kind (``orchestrators.variants``)
chooses which phases run and the activity behind each ASR step, never their order; the rules on
cancelling and after failures are ``orchestrators.safety``'s. Deterministic: no I/O, clock, uuid,
random or environment here, only ``context`` and pure code. A ``waves`` request runs
``orchestrators.waves`` instead.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from domain import timeline
from domain.phases import APPROVAL, COMMIT, REPROTECT, SWITCHOVER, SYNC, VERIFY, WINDOW
from domain.run_names import FAILBACK_ORCHESTRATOR, Outcome
from orchestrators.durable import event_payload
from orchestrators.runbook.preflight import preflight
from orchestrators.runbook.report import finish
from orchestrators.runbook.run import Run
from orchestrators.runbook.state import RunStopped
from orchestrators.runbook.steps import approval, commit, reprotect, switchover, sync_phase_1, window
from orchestrators.runbook.verify import verify
from orchestrators.waves import run_waves

bp = df.Blueprint()

ORCHESTRATOR = FAILBACK_ORCHESTRATOR


def run_failback(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """One failback, in the seed's order; any step may stop the run with an outcome (``RunStopped``)."""
    run = Run(context)
    run.state.note(timeline.NOTE, detail="run started", by=run.state.initiator)
    try:
        yield from preflight(run)  # 1. check everything, change nothing (H2); a dry run ends here
        yield from run.phase(SYNC, sync_phase_1)  # 2. planned failover until ASR suspends (before-failover)
        yield from run.phase(APPROVAL, approval)  # 3. a person approves the shutdown in Azure (W2)
        yield from run.phase(WINDOW, window)  # 4. the maintenance window; closed: ask again
        yield from run.phase(SWITCHOVER, switchover)  # 5. Azure VM off, last data over, on-prem VM on
        yield from run.phase(VERIFY, verify)  # 6. Azure Monitor Logs (H6); a failure holds for a person
        yield from run.phase(COMMIT, commit)  # 7. commit: the Azure VM and its disks go (H7)
        yield from run.phase(REPROTECT, reprotect)  # 8. reverse replication, protected again (H8)
        outcome, error, message = Outcome.SUCCEEDED, None, "Failback completed."
    except RunStopped as stop:
        outcome, error, message = stop.outcome, stop.error(), stop.message
        run.state.note(timeline.NOTE, outcome=outcome, detail=message)
    return (yield from finish(run, outcome, error, message))  # 9. report, callback, final status


@bp.orchestration_trigger(context_name="context")
def failback_orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Run one failback (docs/workflow.md); a waves request runs its own orchestration (issue 7)."""
    data = event_payload(context.get_input())
    if (data.get("request") or {}).get("kind") == "waves":
        return (yield from run_waves(context))
    return (yield from run_failback(context))
