"""Sub-orchestrator ``wait_for_asr_job``: follow one ASR job with durable timers.

Input ``{vault, jobId, phase, stopWhenSuspended, item?, untilProtected, rpoSlaSeconds?,
maxWaitSeconds?, polls}``.
It reads the job (``get_job``), publishes the progress in its **own** custom status
``{phase, jobId, state, progress: {task, percent, etaSeconds}, polls}``, and sleeps
on a durable timer until the job's next change is due (``domain.poll_plan.next_poll``: the
running task's expected end from its progress or typical length, short reads past it, the
job-level interval during transfers; the shared grid in waves). It returns when the job is
Succeeded, Failed or Cancelled (or waiting for "resume" when ``stopWhenSuspended``: the job
``Suspended``, or G1's variant where only its manual task is); a ``Cancelling`` job is not done (R55). With
``untilProtected`` it then polls the item (``get_item``) until ASR shows it ``Protected`` with an
RPO within ``rpoSlaSeconds`` (R9/R10: the re-protect job ends while the initial replication still
runs), at most ``maxWaitSeconds``; the result's ``protection`` says what was reached.

Why progress lives in the child's status: the parent sleeps while the child polls,
so the parent's history does not grow with every poll; ``GET /api/failbacks/{id}``
reads the parent's ``tracker`` (this instance's id) and merges the child's
``progress``. History stays bounded however long the job runs: every
:data:`POLLS_PER_GENERATION` polls the child continues as new, keeping only its
input (the parent sees one result when the last generation returns).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Mapping
from datetime import timedelta
from typing import Any, cast

import azure.durable_functions as df

from domain.contracts import ItemRef, JobSnapshot, JobWaitInput, JobWaitResult, VaultRef
from domain.items import job_name_from_id, parse_time
from domain.jobs import is_terminal, progress_of
from domain.poll_plan import next_poll, on_shared_grid, shared_tick_at
from domain.reprotect_policy import DEFAULT_MAX_WAIT_HOURS, DEFAULT_RPO_SLA_MINUTES, protected_within
from orchestrators.durable import MAX_ATTEMPTS, StepFailed, call_activity, event_payload, iso

bp = df.Blueprint()

#: Polls per generation before ``continue_as_new`` (about 4 history events each).
POLLS_PER_GENERATION = 20
#: States of a protected item that mean "replicating to Azure again".
PROTECTED_STATES = ("Protected",)
#: Item polling: first delay, doubling up to the maximum.
ITEM_POLL_FIRST = timedelta(seconds=30)
ITEM_POLL_MAX = timedelta(minutes=10)
#: A job a wait follows started at most this long before the wait (its write just ran).
STARTED_BEFORE_WAIT = timedelta(minutes=5)


def shared_tick(context: df.DurableOrchestrationContext) -> str:
    """The grid point at or before the orchestration's time (ISO): the shared read's cache key."""
    return shared_tick_at(context.current_utc_datetime)


def shared_delay(context: df.DurableOrchestrationContext, wanted: timedelta) -> timedelta:
    """``wanted`` rounded up to a grid point strictly after now, where every shared wait meets."""
    return on_shared_grid(context.current_utc_datetime, wanted)


#: ASR-changing activities whose read-before-write a wave serves from the vault-level lists of a grid
#: point (``activities.write_reads.item_for_write`` / ``job_for_write``); a cancel is never one (H10).
SHARED_WRITES = frozenset({"start_failback", "commit_failover", "reverse_replicate", "resume_job"})


def shared_write(
    context: df.DurableOrchestrationContext,
    call: Any,
    extra: Mapping[str, Any],
    await_task: Callable[[Any], Generator[Any, Any, Any]],
) -> Generator[Any, Any, Any]:
    """A wave's write waits for the next grid point and reads what it needs from that point's lists.

    ``call`` is an ``ActivityCall``; returned as is outside waves (``extra`` without ``sharedPolling``)
    and for other activities. In a wave the run decides now, sleeps until the next grid point
    (``await_task``: cancels are answered meanwhile) and calls the activity with ``writeTick`` (that
    point) and ``decidedAt`` (now): every VM deciding within the same minute is served by one
    vault-level item list (or job scan) read at that point — after each of them decided, which is the
    freshness rule that keeps adoption safe.
    """
    if not extra.get("sharedPolling") or call.name not in SHARED_WRITES:
        return call
    decided = context.current_utc_datetime
    yield from await_task(context.create_timer(decided + shared_delay(context, timedelta(0))))
    payload = {**call.input, "writeTick": shared_tick(context), "decidedAt": iso(decided)}
    return dataclasses.replace(call, input=payload)


def _attempts(state: dict[str, Any]) -> int:
    """Tries of each read: the input's ``attempts`` (1: the run waits for Azure itself), else the default."""
    return int(state.get("attempts") or MAX_ATTEMPTS)


def _log_fields(state: dict[str, Any]) -> dict[str, Any]:
    """Run id and phase, for the activities' structured logs."""
    return {k: state[k] for k in ("runId", "phase") if state.get(k)}


def wait_input(
    vault: VaultRef,
    job_id: str,
    phase: str,
    *,
    stop_when_suspended: bool = False,
    item: ItemRef | None = None,
    until_protected: bool = False,
    rpo_sla_seconds: float = DEFAULT_RPO_SLA_MINUTES * 60,
    max_wait_seconds: float = DEFAULT_MAX_WAIT_HOURS * 3600,
) -> JobWaitInput:
    """Build the sub-orchestrator's input."""
    out: JobWaitInput = {
        "vault": vault,
        "jobId": job_id,
        "phase": phase,
        "stopWhenSuspended": stop_when_suspended,
        "item": item,
        "untilProtected": until_protected,
        "mode": "job",
        "polls": 0,
    }
    if until_protected:
        out["rpoSlaSeconds"] = rpo_sla_seconds
        out["maxWaitSeconds"] = max_wait_seconds
    return out


def _trim(snapshot: dict[str, Any]) -> JobSnapshot:
    """The parts of a JobSnapshot the run keeps (report, decisions), without bulk."""
    keys = (
        "jobId",
        "state",
        "stateDescription",
        "scenarioName",
        "startTime",
        "endTime",
        "errors",
        "waitingForAction",
    )
    out = {k: snapshot.get(k) for k in keys}
    out["tasks"] = [
        {k: t.get(k) for k in ("name", "friendlyName", "state", "startTime", "endTime")}
        for t in snapshot.get("tasks") or []
    ]
    return cast(JobSnapshot, out)  # a subset of the snapshot's keys, built from its own values


def _done(
    state: dict[str, Any], snapshot: dict[str, Any], context: df.DurableOrchestrationContext
) -> JobWaitResult:
    return {
        "jobId": state["jobId"],
        "state": snapshot.get("state"),
        "snapshot": _trim(snapshot),
        "polls": state["polls"],
        "protectionState": state.get("protectionState"),
        "protection": state.get("protection"),
        "finishedAt": iso(context.current_utc_datetime),
    }


def _poll_job(
    context: df.DurableOrchestrationContext, state: dict[str, Any]
) -> Generator[Any, Any, tuple[dict[str, Any], bool]]:
    """Read the job once; return ``(snapshot, finished)``."""
    if state.get("shared"):  # waves: one vault-level job scan per tick for all VMs (activities.vault_cache)
        payload = {
            "vault": state["vault"],
            "jobId": state["jobId"],
            "tick": shared_tick(context),
            "phase": state["phase"],
            "item": state.get("item"),
            "since": state.get("jobStartTime"),  # the scan stops at older jobs once the start is known
            "startedAfter": state.get("startedAfter"),
        }
        snapshot = yield from call_activity(context, "get_job_shared", payload, attempts=_attempts(state))
        if (
            snapshot.get("jobId")
            and str(snapshot["jobId"]).lower() != job_name_from_id(state["jobId"]).lower()
        ):
            # G3/G4: the work goes on in (or the write started) another job: follow that one
            state["jobId"], state["jobStartTime"] = snapshot["jobId"], None
        state["jobStartTime"] = state.get("jobStartTime") or snapshot.get("startTime")
    else:
        snapshot = yield from call_activity(
            context,
            "get_job",
            {"vault": state["vault"], "jobId": state["jobId"], **_log_fields(state)},
            attempts=_attempts(state),
        )
    current = snapshot.get("state")
    context.set_custom_status(
        {
            "phase": state["phase"],
            "jobId": state["jobId"],
            "state": current,
            "progress": progress_of(snapshot),
            "polls": state["polls"],
        }
    )
    # G1: waiting for "resume" shows as a Suspended job, or only as a Suspended manual task
    waiting = bool(snapshot.get("waitingForAction") or current == "Suspended")
    finished = is_terminal(current) or (waiting and bool(state.get("stopWhenSuspended")))
    return snapshot, finished


def _poll_item(context: df.DurableOrchestrationContext, state: dict[str, Any]) -> Generator[Any, Any, bool]:
    """Read the item once; return whether it is protected again within the RPO SLA, or the bound passed."""
    if state.get("shared"):
        payload = {"vault": state["vault"], "item": state["item"], "tick": shared_tick(context)}
        facts = yield from call_activity(context, "get_item_shared", payload, attempts=_attempts(state))
    else:
        payload = {"vault": state["vault"], "item": state["item"], **_log_fields(state)}
        facts = yield from call_activity(context, "get_item", payload, attempts=_attempts(state))
    state["protectionState"] = facts.get("protectionState")
    now = context.current_utc_datetime
    sla = float(state.get("rpoSlaSeconds") or DEFAULT_RPO_SLA_MINUTES * 60)
    protection = dict(state.get("protection") or {})
    if not protection.get("deadline"):
        wait = float(state.get("maxWaitSeconds") or DEFAULT_MAX_WAIT_HOURS * 3600)
        protection["deadline"] = iso(now + timedelta(seconds=wait))
    protection.update(
        protectionState=facts.get("protectionState"), rpoSeconds=facts.get("rpoSeconds"), rpoSlaSeconds=sla
    )
    if facts.get("protectionState") == "Protected" and not protection.get("protectedAt"):
        protection["protectedAt"] = iso(now)
    within = protected_within(facts, sla)
    if within:
        protection.update(withinSla=True, withinSlaAt=iso(now))
    deadline = parse_time(protection["deadline"])
    timed_out = not within and deadline is not None and now >= deadline
    protection["timedOut"] = timed_out
    state["protection"] = protection
    context.set_custom_status(
        {
            "phase": state["phase"],
            "jobId": state["jobId"],
            "state": "Succeeded",
            "progress": {
                "task": f"Waiting for protection ({facts.get('protectionState')}, "
                f"RPO {facts.get('rpoSeconds')} s)",
                "percent": None,
                "etaSeconds": None,
            },
            "polls": state["polls"],
        }
    )
    return within or timed_out


@bp.orchestration_trigger(context_name="context")
def wait_for_asr_job(context: df.DurableOrchestrationContext) -> Generator[Any, Any, JobWaitResult | None]:
    """Poll the job (then the item) until done; continue as new to bound history."""
    state = event_payload(context.get_input())
    started_polls = int(state.get("polls", 0))
    snapshot: dict[str, Any] = dict(state.get("snapshot") or {})
    if state.get("shared") and not state.get("aligned"):
        # A job just started: its first read waits for the grid, where one vault-level read serves all.
        state["aligned"] = True
        state["startedAfter"] = iso(context.current_utc_datetime - STARTED_BEFORE_WAIT)
        yield context.create_timer(context.current_utc_datetime + shared_delay(context, timedelta(0)))
    while True:
        if state.get("mode", "job") == "job":
            try:
                snapshot, finished = yield from _poll_job(context, state)
            except StepFailed as failure:
                # Reported as the child's failure; the parent parses the code back.
                raise RuntimeError(str(failure)) from None
            if finished:
                if not (state.get("untilProtected") and snapshot.get("state") == "Succeeded"):
                    return _done(state, snapshot, context)
                state["mode"] = "item"
                state["snapshot"] = _trim(snapshot)
            if finished:
                delay = ITEM_POLL_FIRST
            else:  # where the job's next change is due (domain.poll_plan: the one polling grid)
                plan = next_poll(snapshot, context.current_utc_datetime)
                delay = timedelta(seconds=plan.seconds)
        else:
            protected = yield from _poll_item(context, state)
            if protected:
                return _done(state, snapshot, context)
            item_polls = int(state.get("itemPolls", 0))
            delay = min(ITEM_POLL_MAX, ITEM_POLL_FIRST * (2**item_polls))
            deadline = parse_time((state.get("protection") or {}).get("deadline"))
            if deadline is not None and context.current_utc_datetime + delay > deadline:
                delay = max(deadline - context.current_utc_datetime, timedelta(seconds=1))
            state["itemPolls"] = item_polls + 1
        if state.get("shared"):
            delay = shared_delay(context, delay)
        yield context.create_timer(context.current_utc_datetime + delay)
        state["polls"] = int(state["polls"]) + 1
        if state["polls"] - started_polls >= POLLS_PER_GENERATION:
            context.continue_as_new(state)
            return None
