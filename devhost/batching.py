"""Which queued messages one episode consumes (terminate first, one event, retry order)."""

from __future__ import annotations

from typing import Any

from devhost.history import Event, EventType

RETRY_EVENT_TYPES = (EventType.TaskFailed, EventType.SubOrchestrationInstanceFailed, EventType.TimerFired)


def is_retry_relevant(state: dict[str, Any], event: Event) -> bool:
    """Whether processing ``event`` makes the host allocate retry ids (§2.4 ordering)."""
    etype = event.get("EventType")
    if etype not in RETRY_EVENT_TYPES:
        return False
    key = event.get("TimerId") if etype == EventType.TimerFired else event.get("TaskScheduledId")
    task = state.get("tasks", {}).get(str(key))
    if not task:
        return False
    if etype == EventType.TimerFired:
        return bool(task.get("role") == "retrytimer")
    return state["leaves"][task["leaf"]].get("retry") is not None


def select_batch(row: dict[str, Any], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pick the messages one episode consumes, in order.

    A queued terminate wins over everything else (with the ExecutionStarted of a new
    execution, if any). Suspend gets an episode of its own; a suspended instance only takes
    its resume. An EventRaised is only taken at the start of a batch, so an event is never
    processed after a continue-as-new of the same episode: it stays queued and reaches the
    next generation, which is what DTFx's carry-over of such events amounts to (§3.6).
    Retry-relevant events are only taken at the start of a batch so the host allocates ids
    in the same order as the SDK (§2.4 exactness caveat).
    """
    terminate = next((m for m in messages if m["etype"] == EventType.ExecutionTerminated), None)
    if terminate is not None:
        starts = [m for m in messages[:1] if m["etype"] == EventType.ExecutionStarted]
        return [*starts, terminate]
    status = row["status"]
    batch: list[dict[str, Any]] = []
    seen_plain = False
    for msg in messages:
        etype = msg["etype"]
        if status == "Suspended":
            if etype == EventType.ExecutionResumed:
                status = "Running"
                batch.append(msg)
            continue
        if etype == EventType.ExecutionSuspended:
            return batch or [msg]
        if etype == EventType.ExecutionResumed:
            continue  # resume of a non-suspended instance: the engine drops it
        if etype == EventType.EventRaised and batch:
            break  # an event always starts its own episode (see the docstring)
        if is_retry_relevant(row["state"], msg["event"]):
            if seen_plain:
                break
        else:
            seen_plain = True
        batch.append(msg)
    return batch
