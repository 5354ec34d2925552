"""Phases 2-5, 7 and 8 of the runbook: sync, approval, window, switchover, commit, reprotect.

The variant of the request's kind (``orchestrators.variants``) says which activity carries out
each ASR step; these functions say when, and what the run records.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from functools import partial
from typing import Any

from domain import phases, timeline
from domain.approval_summary import phase1_result, switchover_facts
from domain.azure_wait import shutdown_seen
from domain.contracts import JobWaitResult
from domain.reprotect_policy import protection_report
from domain.run_names import AWAITING_WINDOW, GATE_SWITCHOVER, GATE_WINDOW, Outcome
from domain.runs import estimate_downtime
from orchestrators.durable import iso
from orchestrators.runbook.run import Run
from orchestrators.variants import ActivityCall

#: The activity of a VMware re-protect (to on-premises in sync phase 1).
VMWARE_REPROTECT = "vmware_reprotect"


def sync_phase_1(run: Run) -> Generator[Any, Any, None]:
    """2. Start the planned failover (adopting one under way); wait until ASR suspends the job."""
    state = run.state
    facts = state.run_facts()
    result: JobWaitResult = {}
    for call in state.variant.start_steps(facts):
        # VMware: the re-protect to on-premises job ends before the data is there; the approval gate
        # opens only once the item is Protected again (issue 12, part 8)
        protect = call.name == VMWARE_REPROTECT
        item = call.input.get("item") if protect else None
        result = yield from run.jobs.run_to_end(
            call, stop_when_suspended=True, until_protected=protect, item=item
        )
    state.phase1 = phase1_result(result, state.job_id)  # job, state, data synchronized: for the approver
    if result.get("state") == "Succeeded" and state.variant.suspends_after_start(facts):
        # Resumed outside the workflow: the switchover already happened.
        state.switchover_done = True
        state.note(
            timeline.NOTE, detail="job completed without waiting for approval (resumed outside the run)"
        )


def approval(run: Run) -> Generator[Any, Any, None]:
    """3. The approval gate (W2): reject, timeout or cancel keep the Azure VM running."""
    state = run.state
    facts = state.run_facts()
    summary = {
        "item": facts.item.get("name") or state.request.item.label,
        "friendlyName": facts.facts.get("friendlyName"),
        "jobId": state.job_id,
        "initiator": state.initiator,
        "what": "Approve to shut down the Azure VM and start the on-premises VM.",
        # vm, dataToTransferGB, downtimeEstimateMinutes, expectedDowntime, recommendation (contracts §7)
        **switchover_facts(facts.facts, facts.sync, _phase1_seconds(run)),
    }
    if state.preflight_result:  # the approval page shows what was checked, with evidence
        summary["preflight"] = state.preflight_result["checks"]
    if state.phase1:
        summary["phase1"] = state.phase1
    if state.checklist:
        summary["checklist"] = state.checklist  # V3 rules no API shows: the approver attests them
    approved = state.request.extra.get("preApproved")
    if approved:  # waves: the wave's gate already decided for every VM in it
        state.note(
            timeline.DECISION,
            gate=GATE_SWITCHOVER,
            decision="approved",
            by=approved.get("by"),
            comment=approved.get("gate"),
        )
        return
    result = yield from run.gates.ask(GATE_SWITCHOVER, summary)
    if state.cancel_accepted or result.get("decision") == "cancelled":
        yield from run.jobs.abandon(
            Outcome.CANCELLED, "Cancelled while waiting for approval; the Azure VM keeps running."
        )
    if result.get("decision") != "approved":
        yield from run.jobs.abandon(
            Outcome.NOT_APPROVED,
            f"Approval {result.get('decision')}: the Azure VM keeps running; a new failback can start.",
        )


def _phase1_seconds(run: Run) -> float | None:
    """How long sync phase 1 took in this run (``None`` when it did not run)."""
    durations = timeline.phase_durations(run.state.timeline)
    return next((d["seconds"] for d in durations if d["phase"] == phases.SYNC), None)


def window(run: Run) -> Generator[Any, Any, None]:
    """4. Wait for the maintenance window; a closed or closing window asks for approval again."""
    state = run.state
    facts = state.run_facts()
    assert state.request.maintenance_window is not None
    start, end = state.request.maintenance_window.bounds()
    if state.now < start:
        state.awaiting = AWAITING_WINDOW
        state.publish(
            step="waiting for the window", message=f"Waiting for the maintenance window at {iso(start)}"
        )
        timer = state.ctx.create_timer(start)
        done = yield from run.cancel.await_any([timer], stop_on_cancel=True)
        state.awaiting = None
        if done is None:
            yield from run.jobs.abandon(
                Outcome.CANCELLED, "Cancelled while waiting for the maintenance window."
            )
    disk_gb = float(facts.facts.get("diskSizeGB") or 0)
    needed = timedelta(seconds=estimate_downtime(disk_gb, facts.data_sync)["seconds"])
    if state.now + needed > end:
        state.note(timeline.NOTE, detail=f"maintenance window closes at {iso(end)}; holding for a decision")
        result = yield from run.gates.ask(
            GATE_WINDOW,
            {
                "what": "The maintenance window has closed (or closes before the switchover can finish). "
                "Approve to switch over now anyway, or reject to leave the VM in Azure.",
                "windowEnd": iso(end),
                "jobId": state.job_id,
            },
        )
        if state.cancel_accepted or result.get("decision") != "approved":
            outcome = Outcome.CANCELLED if state.cancel_accepted else Outcome.WINDOW_MISSED
            yield from run.jobs.abandon(outcome, "Maintenance window missed: the Azure VM keeps running.")


def switchover(run: Run) -> Generator[Any, Any, None]:
    """5. Shut down the Azure VM, transfer the remaining data, start the on-premises VM.

    From the request on, transient Azure trouble is waited out (``run.azure``, H12). The timeline
    says the Azure VM shut down only when ASR shows it (its task done, or the job succeeded).
    """
    state = run.state
    state.switchover_requested = True
    state.note(timeline.NOTE, detail="switchover requested: ASR shuts the Azure VM down", jobId=state.job_id)
    call = state.variant.switchover(state.run_facts(), state.job_id)
    job_id = yield from run.azure.persist("switchover", lambda: run.jobs.start(call))
    result = yield from run.azure.persist("switchover", lambda: run.jobs.wait(job_id))
    seen = shutdown_seen(result.get("snapshot") or {}) or iso(state.now)
    state.timeline.append(
        timeline.timeline_entry(seen, state.phase, timeline.AZURE_VM_SHUTDOWN, jobId=job_id)
    )


def commit(run: Run) -> Generator[Any, Any, None]:
    """7. Commit the failover (deletes the Azure VM and its disks, H7)."""
    state = run.state
    call = state.variant.commit(state.run_facts())
    if state.job_id:  # never adopt a commit older than our failback job (R5: FinalizeFailback)
        call = ActivityCall(call.name, {**call.input, "afterJobId": state.job_id})
    job_id = yield from run.azure.persist("commit", lambda: run.jobs.start(call))
    yield from run.azure.persist("commit", lambda: run.jobs.wait(job_id))


def reprotect(run: Run) -> Generator[Any, Any, None]:
    """8. Reverse replication, then wait until the item is protected again within the RPO SLA (H8).

    R9/R10: the re-protect job ends while the initial replication runs; the wait goes on until
    the item is ``Protected`` with an RPO within ``reverseReplication.rpoSlaMinutes``, at most
    ``maxWaitHours``. Past that bound the failback still succeeded: the report warns.
    """
    state = run.state
    for call in state.variant.reprotect_steps(state.run_facts()):
        result = yield from run.azure.persist(
            "reprotect",
            partial(run.jobs.run_to_end, call, until_protected=True, item=call.input.get("item")),
        )
        started = (result.get("snapshot") or {}).get("startTime")
        state.reprotection = protection_report(result, started)
        state.note(
            timeline.NOTE,
            detail="reverse replication: "
            + ("within the RPO SLA" if state.reprotection["withinSla"] else "NOT within the RPO SLA"),
            rpoSeconds=state.reprotection["rpoSeconds"],
            protectionState=state.reprotection["protectionState"],
        )
