"""ASR job snapshots: progress, data-sync detection (H10) and the adaptive poll interval.

:func:`job_snapshot` turns a Job's wire dict (``job.as_dict()``) into the contract's
``JobSnapshot`` (docs/contracts.md §5). The orchestrator waits on jobs with durable
timers of :func:`next_poll_seconds`: short when a task is about to finish, longer
during long transfers, always within ``[MIN_POLL_SECONDS, MAX_POLL_SECONDS]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from domain.contracts import JobSnapshot
from domain.items import iso, parse_time

MIN_POLL_SECONDS = 5
MAX_POLL_SECONDS = 300
#: Poll this often while nothing tells how long the job will take.
DEFAULT_POLL_SECONDS = 15
#: Poll this often during a data transfer whose end cannot be estimated.
TRANSFER_POLL_SECONDS = 60

TERMINAL_STATES = ("Succeeded", "Failed", "Cancelled", "Canceled", "CompletedWithInformation", "Skipped")
#: R55: a cancelled job reads ``Cancelling`` first; it is not done until ``Cancelled``.
RUNNING_STATES = ("NotStarted", "InProgress", "Suspended", "Cancelling")
_DONE_TASK_STATES = ("Succeeded", "Skipped", "CompletedWithInformation", "PartiallySucceeded")
# A task moving disk data between Azure and the on-prem host (H10: never cancel while it runs).
_SYNC_TASK = re.compile(r"sync|synchroniz|transfer|download|delta|copy", re.IGNORECASE)
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")


def is_terminal(state: str | None) -> bool:
    """Whether an ASR job state is final (succeeded, failed or cancelled)."""
    return state in TERMINAL_STATES


def is_sync_task(task: Mapping[str, Any]) -> bool:
    """Whether a task synchronizes disk data (by its name or friendly name)."""
    return bool(_SYNC_TASK.search(f"{task.get('name') or ''} {task.get('friendlyName') or ''}"))


def _task(task: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        "name": task.get("name"),
        "friendlyName": task.get("friendlyName"),
        "state": task.get("state"),
        "startTime": iso(task.get("startTime")),
        "endTime": iso(task.get("endTime")),
    }
    fraction = _task_fraction(task) if task.get("state") == "InProgress" else 0.0
    if fraction > 0:  # the task's own progress, when ASR gives one (domain.poll_plan aims at its end)
        out["fraction"] = fraction
    return out


def _current_task(tasks: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for wanted in (("InProgress",), ("Suspended",), ("NotStarted",)):
        for task in tasks:
            if task.get("state") in wanted:
                return task
    return None


def _task_fraction(task: Mapping[str, Any]) -> float:
    """Progress of a running task from its custom details or state description, if ASR gives one."""
    custom = task.get("customDetails") or {}
    for key in ("progressPercentage", "percentComplete", "progress"):
        value = custom.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return max(0.0, min(1.0, float(value) / 100))
    match = _PERCENT.search(str(task.get("stateDescription") or ""))
    return max(0.0, min(1.0, float(match.group(1)) / 100)) if match else 0.0


def _errors(props: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for error in props.get("errors") or []:
        service = error.get("serviceErrorDetails") or {}
        provider = error.get("providerErrorDetails") or {}
        out.append(
            {
                "code": str(service.get("code") or provider.get("errorCode") or ""),
                "message": service.get("message") or provider.get("errorMessage") or "",
                "recommendedAction": service.get("recommendedAction") or provider.get("recommendedAction"),
            }
        )
    return out


def _progress(
    state: str | None,
    tasks: list[Mapping[str, Any]],
    current: Mapping[str, Any] | None,
    start: datetime | None,
    now: datetime,
) -> tuple[float | None, int | None]:
    if state == "Succeeded":
        return 100.0, 0
    if not tasks:
        return None, None
    done = sum(1 for t in tasks if t.get("state") in _DONE_TASK_STATES)
    fraction = (done + (_task_fraction(current) if current else 0.0)) / len(tasks)
    percent = round(100 * fraction, 1)
    if is_terminal(state) or state == "Suspended" or start is None or fraction <= 0:
        return percent, None
    elapsed = max(0.0, (now - start).total_seconds())
    return percent, int(elapsed * (1 - fraction) / fraction)


def job_snapshot(job: Mapping[str, Any], now: datetime) -> JobSnapshot:
    """Build the contract's ``JobSnapshot`` from a Job wire dict.

    Args:
        job: ``{id, name, properties: {state, tasks, errors, ...}}``.
        now: reference time for the ETA (the orchestration's time).

    Returns:
        ``JobSnapshot``: ``jobId``, ``state``, ``currentTask``, ``tasks``, ``percent``,
        ``etaSeconds``, ``dataSyncInProgress`` (H10), ``errors``, ...
    """
    props = job.get("properties") or {}
    tasks = list(props.get("tasks") or [])
    state = props.get("state")
    current = _current_task(tasks) if not is_terminal(state) else None
    start = parse_time(props.get("startTime"))
    percent, eta = _progress(state, tasks, current, start, now)
    syncing = state == "InProgress" and any(t.get("state") == "InProgress" and is_sync_task(t) for t in tasks)
    actions = list(props.get("allowedActions") or [])
    # G1: a job waiting on its manual task reads Suspended, or InProgress with a Suspended task; either
    # way ASR offers Resume
    # (job lists carry no tasks: there ``Resume`` offered is all there is to read)
    task_waits = any(t.get("state") == "Suspended" for t in tasks) or not tasks
    waiting = not is_terminal(state) and (state == "Suspended" or ("Resume" in actions and task_waits))
    return cast(
        JobSnapshot,
        {
            "jobId": job.get("name"),
            "state": state,
            "stateDescription": props.get("stateDescription"),
            "scenarioName": props.get("scenarioName"),
            "friendlyName": props.get("friendlyName"),
            "allowedActions": actions,
            "waitingForAction": waiting,
            "startTime": iso(props.get("startTime")),
            "endTime": iso(props.get("endTime")),
            "currentTask": _task(current) if current else None,
            "tasks": [_task(t) for t in tasks],
            "percent": percent,
            "etaSeconds": eta,
            "dataSyncInProgress": syncing,
            "errors": _errors(props),
            "targetObjectName": props.get("targetObjectName"),
        },
    )


def _clamp(seconds: float) -> int:
    return int(max(MIN_POLL_SECONDS, min(MAX_POLL_SECONDS, seconds)))


def next_poll_seconds(snapshot: Mapping[str, Any]) -> int:
    """How long to wait before reading the job again.

    Half the estimated remaining time when there is an estimate (so a task about to
    finish is seen soon after), a minute during a transfer without an estimate, the
    maximum while suspended (the run waits on a person then), always bounded.
    """
    state = snapshot.get("state")
    if is_terminal(state):
        return MIN_POLL_SECONDS
    if state == "Suspended" or snapshot.get("waitingForAction"):
        return MAX_POLL_SECONDS
    eta = snapshot.get("etaSeconds")
    if isinstance(eta, int | float) and eta >= 0:
        return _clamp(eta / 2)
    if snapshot.get("dataSyncInProgress"):
        return _clamp(TRANSFER_POLL_SECONDS)
    if state == "NotStarted":
        return _clamp(10)
    return _clamp(DEFAULT_POLL_SECONDS)


def progress_of(snapshot: Mapping[str, Any]) -> dict[str, Any] | None:
    """The custom-status ``progress`` block ``{task, percent, etaSeconds}`` of a snapshot."""
    task = snapshot.get("currentTask")
    if task is None and snapshot.get("percent") is None:
        return None
    return {
        "task": (task or {}).get("friendlyName") or (task or {}).get("name"),
        "percent": snapshot.get("percent"),
        "etaSeconds": snapshot.get("etaSeconds"),
    }
