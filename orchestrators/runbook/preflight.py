"""Phase 1, pre-flight: check every precondition (H2), change nothing; decide the data-sync option."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from datetime import timedelta
from typing import Any, cast

from domain import phases, timeline
from domain.check_record import english_text
from domain.contracts import ItemRef
from domain.items import item_ref
from domain.preflight import failure_summary
from domain.run_names import Outcome
from domain.runs import dry_run_plan
from domain.sync_policy import resolve_data_sync
from domain.vmware_checks import retention_gave_up_message
from orchestrators.runbook.run import Run
from orchestrators.runbook.state import RunState, RunStopped
from orchestrators.variants import ActivityCall, RunFacts


def data_sync_of(state: RunState, result: Mapping[str, Any], facts: Mapping[str, Any]) -> dict[str, Any]:
    """The run's data-sync option: a variant's pre-flight decides it; else H3 on the item's facts."""
    recommendation = result.get("recommendation") or {}
    if recommendation.get("source") == "variant":
        return dict(recommendation)
    return resolve_data_sync(state.request.data_sync, facts, state.request.location, state.now)


def preflight(run: Run) -> Generator[Any, Any, None]:
    """1. Check every precondition (H2); nothing changes in ASR; a dry run ends here with its plan."""
    state = run.state
    state.enter(phases.PREFLIGHT)
    state.publish(step="checking")
    result = yield from preflight_waiting(run, state.variant.preflight(state.request, state.request_dict))
    state.preflight_result = {"passed": result.get("passed"), "checks": result.get("checks") or []}
    state.checklist = result.get("checklist")
    facts = dict(result.get("facts") or {})
    sync = data_sync_of(state, result, facts)
    details: dict[str, Any] = {k: result[k] for k in ("inputs", "plan") if k in result}
    # no item found: an empty ref (the run ends at pre-flight)
    ref: ItemRef = result.get("item") or (item_ref(facts) if facts.get("name") else cast(ItemRef, {}))
    state.facts = RunFacts(state.request, ref, sync, facts, details)
    master_target = (result.get("inputs") or {}).get("masterTargetId")
    if master_target:  # V3 across runs: the HTTP layer sums the disks of live runs per master target
        state.master_target = {"id": str(master_target), "disks": int(facts.get("diskCount") or 0)}
    resolved = {"name": ref.get("name") or facts.get("name"), "friendlyName": facts.get("friendlyName")}
    state.resolved_item = {k: str(v) for k, v in resolved.items() if v}
    state.publish()  # the status names the item both ways from now on (contracts §6)
    adopted = result.get("adopted")
    if adopted and result.get("passed"):  # ASR is past the switchover: go on from there (issue 12, part 4)
        state.adopted = dict(adopted)
        state.switchover_done = state.switchover_requested = True
        state.note(
            timeline.NOTE,
            detail=f"adopted at {adopted.get('stage')}: {english_text(adopted.get('explain') or '')}",
        )
    state.note(
        timeline.NOTE,
        passed=bool(result.get("passed")),
        dataSync=sync["dataSyncOption"],
        reason=sync["reason"],
    )
    if state.cancel_accepted:
        raise RunStopped(Outcome.CANCELLED, "Cancelled during pre-flight; nothing was changed in ASR.")
    if state.request.dry_run:
        state.plan = dry_run_plan(state.request, facts, sync, state.preflight_result)
        raise RunStopped(
            Outcome.DRY_RUN, "Dry run: pre-flight done, the plan is in the report; nothing changed."
        )
    if not result.get("passed"):
        raise RunStopped(
            Outcome.REJECTED, failure_summary(state.preflight_result["checks"]), code="PREFLIGHT_FAILED"
        )
    state.leave()


def preflight_waiting(run: Run, call: ActivityCall) -> Generator[Any, Any, dict[str, Any]]:
    """Run the pre-flight, waiting while it names something that only needs time.

    Seed 002: a retention drive added to the master target takes up to 15 minutes to appear. While
    the pre-flight's ``waitFor`` says so, refresh the configuration server once and check again after
    a durable timer, within ``forSeconds``; then the failed check's remedy says it did not appear.
    """
    state = run.state
    result: dict[str, Any] = yield from run.jobs.activity(call)
    first, refreshed = state.now, False
    while not result.get("passed") and result.get("waitFor") and not state.request.dry_run:
        wait = result["waitFor"]
        every = timedelta(seconds=int(wait.get("everySeconds") or 120))
        if state.now - first + every > timedelta(seconds=int(wait.get("forSeconds") or 0)):
            for check in result.get("checks") or []:
                if check.get("id") == wait.get("check") and not check.get("passed"):
                    remedy = retention_gave_up_message(wait)
                    check["remedy"] = remedy["text"]
                    check["messages"] = {**(check.get("messages") or {}), "remedy": remedy}
            break
        if not refreshed and wait.get("refresh"):
            payload = {"vault": state.request.vault.to_dict(), **wait["refresh"]}
            yield from run.jobs.activity(ActivityCall("refresh_configuration_server", payload))
            refreshed = True
        state.note(timeline.NOTE, detail=f"waiting {every}: {wait.get('reason')}")
        state.publish(step="waiting", message=str(wait.get("reason")))
        yield from run.cancel.await_task(state.ctx.create_timer(state.now + every))
        if state.cancel_accepted:
            break
        result = yield from run.jobs.activity(call)
    return result
