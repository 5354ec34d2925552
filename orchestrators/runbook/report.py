"""Phase 9: the run's report (``domain.report.build_report``), the callback, the final status."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from domain import phases
from domain import report as reports
from domain.run_names import Outcome
from orchestrators.durable import log_info
from orchestrators.runbook.run import Run
from orchestrators.runbook.state import RunState, RunStopped
from orchestrators.variants import ActivityCall


def build(state: RunState, outcome: Outcome, error: dict[str, Any] | None, message: str) -> dict[str, Any]:
    """The report of a run that ended with ``outcome`` (the one place a run's report is built)."""
    facts = state.facts.facts if state.facts else None
    report = reports.build_report(
        run_id=state.run_id,
        request=state.request_dict,
        outcome=outcome,
        timeline=state.timeline,
        item=facts,
        data_sync=state.facts.sync if state.facts else None,
        preflight=state.preflight_result,
        verification=state.verification,
        error=error,
        os_type=(facts or {}).get("osType"),
    )
    report["message"] = message
    report["initiator"] = state.initiator
    after_effects = state.variant.after_effects(facts)
    if after_effects is not None:
        report["afterEffects"] = after_effects
    if state.plan is not None:
        report["plan"] = state.plan
    if state.reprotection is not None:
        report["reverseReplication"] = state.reprotection
        if state.reprotection["timedOut"]:
            report["warnings"] = [
                "The failback succeeded, but reverse replication did not reach the RPO SLA "
                f"({state.reprotection['rpoSlaSeconds']:g} s) within "
                f"{state.request.reverse_sla.max_wait_hours:g} h: the VM is not protected to Azure "
                f"as required yet (state {state.reprotection['protectionState']}, "
                f"RPO {state.reprotection['rpoSeconds']} s). Check replication health in the vault."
            ]
            report["message"] = f"{message} Warning: {report['warnings'][0]}"
    return report


def _sealed(run: Run, record: dict[str, Any]) -> Generator[Any, Any, dict[str, Any]]:
    """The record signed by ``seal_report`` (the key never enters the run); unsigned if that fails.

    An unsigned record is signed when it is exported (``function_app/report_export.py``).
    """
    try:
        answer = yield from run.jobs.activity(ActivityCall("seal_report", {"integrity": record["integrity"]}))
    except RunStopped as stop:
        log_info(run.state.ctx, f"run {run.state.run_id}: record not sealed: {stop.message}")
        return record
    return {**record, "integrity": {**record["integrity"], "signature": answer["signature"]}}


def finish(
    run: Run, outcome: Outcome, error: dict[str, Any] | None, message: str
) -> Generator[Any, Any, dict[str, Any]]:
    """9. Build the report, post it to the callback URL, publish the final status."""
    state = run.state
    state.phase = phases.REPORT
    state.awaiting = None
    state.tracker = None
    report = build(state, outcome, error, message)
    # The HTTP layer sealed the callback URL (its sig= is a secret); only post_callback opens it.
    sealed = state.sealed_callback
    target = {"sealed": sealed["sealed"]} if sealed.get("sealed") else {"url": state.request.callback_url}
    shown = {"host": sealed["host"]} if sealed.get("host") else {}
    if sealed.get("sealed") or state.request.callback_url:
        try:
            yield from run.jobs.activity(ActivityCall("post_callback", {**target, **shown, "body": report}))
            report["callback"] = {"posted": True, **shown}
        except RunStopped as stop:  # the run's result stands; the callback is best effort
            report["callback"] = {"posted": False, **shown, "error": stop.message}
    state.publish(step=outcome, message=report["message"])
    log_info(state.ctx, f"run {state.run_id} ended: {outcome}", runId=state.run_id, outcome=outcome)
    return (yield from _sealed(run, reports.chain_report(report)))  # the record, hash-chained and signed
