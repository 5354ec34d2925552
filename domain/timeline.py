"""The run's timeline: its entries, their events, and what they tell (phases, downtime, jobs, decisions).

The orchestrator appends :func:`timeline_entry` dicts as things happen (times from
``context.current_utc_datetime``); the report (``domain.report.build_report``) and the status
pages read them back. Downtime is measured from the Azure VM's shutdown (event
``azure-vm-shutdown``, i.e. the start of the switchover) to the on-prem VM verified (event
``onprem-verified``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from domain.items import parse_time

PHASE_STARTED = "phase-started"
PHASE_FINISHED = "phase-finished"
JOB_STARTED = "job-started"
JOB_ADOPTED = "job-adopted"
JOB_FINISHED = "job-finished"
DECISION = "decision"
AZURE_VM_SHUTDOWN = "azure-vm-shutdown"
ONPREM_VERIFIED = "onprem-verified"
NOTE = "note"


def timeline_entry(at: datetime | str, phase: str, event: str, **detail: Any) -> dict[str, Any]:
    """Return one timeline entry ``{at, phase, event, ...detail}`` (``None`` details dropped)."""
    when = at.isoformat() if isinstance(at, datetime) else str(at)
    entry: dict[str, Any] = {"at": when, "phase": phase, "event": event}
    entry.update({k: v for k, v in detail.items() if v is not None})
    return entry


def _first(
    timeline: Iterable[Mapping[str, Any]], event: str, after: datetime | None = None
) -> datetime | None:
    for entry in timeline:
        if entry.get("event") == event:
            when = parse_time(entry.get("at"))
            if when is not None and (after is None or when >= after):
                return when
    return None


def phase_durations(timeline: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Duration of each phase from its ``phase-started`` to its ``phase-finished`` entry.

    A phase entered several times keeps its first start and last finish; a phase not
    finished has ``end`` and ``seconds`` ``None``.
    """
    order: list[str] = []
    starts: dict[str, datetime] = {}
    ends: dict[str, datetime] = {}
    for entry in timeline:
        phase, when = str(entry.get("phase")), parse_time(entry.get("at"))
        if when is None:
            continue
        if entry.get("event") == PHASE_STARTED and phase not in starts:
            starts[phase] = when
            order.append(phase)
        elif entry.get("event") == PHASE_FINISHED:
            ends[phase] = when
    out = []
    for phase in order:
        end = ends.get(phase)
        out.append(
            {
                "phase": phase,
                "start": starts[phase].isoformat(),
                "end": end.isoformat() if end else None,
                "seconds": (end - starts[phase]).total_seconds() if end else None,
            }
        )
    return out


def downtime_seconds(timeline: Iterable[Mapping[str, Any]]) -> float | None:
    """Seconds from the Azure VM's shutdown to the on-prem VM verified, ``None`` if not both."""
    entries = list(timeline)
    down = _first(entries, AZURE_VM_SHUTDOWN)
    if down is None:
        return None
    up = _first(entries, ONPREM_VERIFIED, after=down)
    return (up - down).total_seconds() if up else None


def downtime_shares(timeline: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The downtime split into ASR's share and the workflow's own (issue 14).

    ``asrSeconds``: from the Azure VM's shutdown to the switchover job seen finished (ASR shuts
    the VM down, moves the last data and boots the VM; the job wait reads it within a few seconds
    of its end, ``domain.poll_plan``). ``workflowSeconds``: the rest — seeing the end, starting and
    running the verification until it passed (``verificationSeconds`` of it: Log Analytics
    ingestion included). ``None`` unless the VM was verified after the shutdown.
    """
    entries = list(timeline)
    down = _first(entries, AZURE_VM_SHUTDOWN)
    if down is None:
        return None
    up = _first(entries, ONPREM_VERIFIED, after=down)
    if up is None:
        return None
    switched = next(
        (
            when
            for e in entries
            if e.get("event") == JOB_FINISHED
            and e.get("phase") == "switchover"
            and (when := parse_time(e.get("at"))) is not None
            and down <= when <= up
        ),
        None,
    )
    total = (up - down).total_seconds()
    asr = (switched - down).total_seconds() if switched else None
    verify = _first(entries, PHASE_STARTED, after=switched or down)
    return {
        "seconds": total,
        "asrSeconds": asr,
        "workflowSeconds": total - asr if asr is not None else None,
        "verificationSeconds": (up - verify).total_seconds() if verify else None,
    }


def asr_jobs(timeline: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ASR jobs of the run, in order: ``{operation, jobId, adopted, state}``."""
    jobs: dict[str, dict[str, Any]] = {}
    for entry in timeline:
        job_id = entry.get("jobId")
        if not job_id:
            continue
        if entry.get("event") in (JOB_STARTED, JOB_ADOPTED) and job_id not in jobs:
            jobs[job_id] = {
                "operation": entry.get("operation") or entry.get("phase"),
                "jobId": job_id,
                "adopted": entry.get("event") == JOB_ADOPTED,
                "state": None,
            }
        elif entry.get("event") == JOB_FINISHED and job_id in jobs:
            jobs[job_id]["state"] = entry.get("state")
    return list(jobs.values())


def decisions(timeline: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The human and automatic decisions of the run: ``{at, phase, decision, by, comment, ...}``."""
    return [dict(e) for e in timeline if e.get("event") == DECISION]
