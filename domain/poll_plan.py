"""When to read an ASR job next: the polling grid of every job wait, decided here and only here.

A job wait (``orchestrators.job_wait``) reads the job, then sleeps on a durable timer until the
moment this module names. The aim is to see each change of the job — above all the end of the
switchover, which ends the downtime that ASR owns — within a few seconds, without reading more
often than before while nothing is due:

- **A task with an expected end**: the read lands *at* the running task's expected end. The end
  comes from the task's own progress when ASR gives one (percent in its custom details or state
  description: ``start + elapsed / fraction``), else from the typical duration of that kind of
  task (:data:`TASK_SECONDS`). One read per task while it runs normally, however long it runs
  (a long task is still read every :data:`domain.jobs.MAX_POLL_SECONDS` for the progress shown).
- **Past the expected end** (a task running longer than typical): short reads that lengthen —
  half the overrun, at least :data:`OVERRUN_MIN_SECONDS`, at most the job-level interval — so a
  late end is still seen within a few seconds of a short overrun and a long overrun costs only a
  few reads more.
- **No expected end** (data transfers without progress, unknown tasks): the job-level interval
  of :func:`domain.jobs.next_poll_seconds` (half the job's ETA, a minute during transfers, 5 min
  while it waits on a person).
- **Shared waits** (waves: one vault-level job list per tick serves every waiting VM): the
  wanted moment is rounded up to the shared grid of :data:`SHARED_TICK_SECONDS`, where every
  waiting VM meets, so reads do not grow with the number of VMs.

Typical durations (:data:`TASK_SECONDS`) are planning values, not promises: the recorded
service took about 4 min 40 s for a small ForSynchronization failback end to end (R4), 46 s to
commit (R5) and 78 s to re-protect (R11); the task split is an estimate (G5: task codes are not
recorded, so tasks are matched by their names and friendly names). A wrong value costs a few
reads (too short) or a few seconds of overrun reads (too long), never correctness.

Pure and deterministic: times come from the snapshot and the orchestration's clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.items import iso, parse_time
from domain.jobs import MAX_POLL_SECONDS, is_sync_task, is_terminal, next_poll_seconds

#: Shortest wait between two reads of one job (orchestration seconds).
MIN_WAIT_SECONDS = 1.0
#: Shortest wait once a task runs past its expected end.
OVERRUN_MIN_SECONDS = 5.0
#: Shared waits (waves) read on this grid: one vault-level read per grid point serves all VMs.
SHARED_TICK_SECONDS = 60

#: Typical duration of a task by what it does (regex over its name and friendly name), seconds.
TASK_SECONDS: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(r"prerequisite|pre-?check|preflight", re.IGNORECASE), 30.0),
    (re.compile(r"shut ?down", re.IGNORECASE), 60.0),
    (re.compile(r"start.*(vm|virtual machine)|startvm|boot", re.IGNORECASE), 90.0),
    (re.compile(r"\bfail ?over\b|vmfailover", re.IGNORECASE), 60.0),
    (re.compile(r"commit|finali[sz]e|delete", re.IGNORECASE), 46.0),
    (re.compile(r"protection|reprotect|reverse", re.IGNORECASE), 45.0),
)
_UNSET_YEAR = 1900  # R53: times that never happened read 0001-01-01


@dataclass(frozen=True)
class NextPoll:
    """The next read of a job: after ``seconds``; ``due`` is the expected change it aims at, if any."""

    seconds: float
    due: str | None
    reason: str


def _time(value: object) -> datetime | None:
    when = parse_time(value)
    return when if when is not None and when.year > _UNSET_YEAR else None


def typical_seconds(task: Mapping[str, Any]) -> float | None:
    """The typical duration of a task of this kind, ``None`` for data transfers and unknown tasks."""
    if is_sync_task(task):
        return None  # depends on the data to move: the job-level estimate applies
    text = f"{task.get('name') or ''} {task.get('friendlyName') or ''}"
    for pattern, seconds in TASK_SECONDS:
        if pattern.search(text):
            return seconds
    return None


def expected_end(task: Mapping[str, Any], now: datetime) -> datetime | None:
    """When the running task should end: from its progress if ASR gives one, else its typical length."""
    start = _time(task.get("startTime"))
    if start is None or task.get("state") != "InProgress":
        return None
    fraction = task.get("fraction")
    elapsed = (now - start).total_seconds()
    if isinstance(fraction, int | float) and 0 < fraction < 1 and elapsed > 0:
        return start + timedelta(seconds=elapsed / float(fraction))
    typical = typical_seconds(task)
    return start + timedelta(seconds=typical) if typical is not None else None


def next_poll(snapshot: Mapping[str, Any], now: datetime) -> NextPoll:
    """When to read the job again after ``snapshot`` was read at ``now`` (see the module doc)."""
    fallback = float(next_poll_seconds(snapshot))
    state = snapshot.get("state")
    task = snapshot.get("currentTask")
    if is_terminal(state) or snapshot.get("waitingForAction") or state == "Suspended" or not task:
        return NextPoll(fallback, None, "job level")
    if task.get("state") == "NotStarted":  # the next task starts at once: look again soon
        return NextPoll(OVERRUN_MIN_SECONDS, None, "task starting")
    end = expected_end(task, now)
    if end is None:
        return NextPoll(fallback, None, "no estimate")
    until = (end - now).total_seconds()
    if until > 0:
        return NextPoll(max(MIN_WAIT_SECONDS, min(until, float(MAX_POLL_SECONDS))), iso(end), "task end")
    overrun = -until
    wait = max(OVERRUN_MIN_SECONDS, min(overrun / 2, fallback))
    return NextPoll(wait, iso(end), "overrun")


def shared_tick_at(moment: datetime) -> str:
    """The shared grid point at or before ``moment`` (ISO): the shared read's cache key."""
    seconds = int(moment.timestamp()) // SHARED_TICK_SECONDS * SHARED_TICK_SECONDS
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def on_shared_grid(now: datetime, wanted: timedelta) -> timedelta:
    """``wanted`` rounded up to a shared grid point strictly after ``now``."""
    moment = now.timestamp()
    target = moment + max(wanted.total_seconds(), 0)
    aligned = -(-int(target) // SHARED_TICK_SECONDS) * SHARED_TICK_SECONDS
    if aligned <= moment:
        aligned += SHARED_TICK_SECONDS
    return timedelta(seconds=aligned - moment)


#: The Azure Monitor agent sends a heartbeat a minute once the VM runs.
HEARTBEAT_SECONDS = 60
#: Typical Log Analytics ingestion latency (Microsoft documents 20 s to 3 min; most data in about 30 s).
INGESTION_SECONDS = 30
#: Verification attempts once data can be there: short at first, lengthening to the old 2 minutes.
VERIFY_RETRY_SECONDS = (15, 15, 30, 30, 60, 120)


def verify_wait(since: datetime, now: datetime, attempts: int) -> timedelta:
    """How long to wait before the next verification query, after ``attempts`` queries that failed.

    The first query goes out when the first heartbeat of the VM started at ``since`` can have been
    ingested (one heartbeat interval plus the typical ingestion latency); later ones follow at
    short, lengthening intervals, so data that arrives late is still seen soon after it lands.
    """
    first = since + timedelta(seconds=HEARTBEAT_SECONDS + INGESTION_SECONDS)
    if attempts <= 0:
        return max(first - now, timedelta(0))
    step = VERIFY_RETRY_SECONDS[min(attempts, len(VERIFY_RETRY_SECONDS)) - 1]
    return max(timedelta(seconds=step), first - now)
