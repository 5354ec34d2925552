"""Timeline and final report of a failback run.

The orchestrator appends :func:`timeline_entry` dicts as things happen (times from
``context.current_utc_datetime``) and ends with :func:`build_report`. Downtime is
measured from the Azure VM's shutdown (event ``azure-vm-shutdown``, i.e. the start of
the switchover) to the on-prem VM verified (event ``onprem-verified``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from domain.i18n import N_
from domain.items import parse_time
from domain.report_seal import chain_report as chain_report  # where runs assemble reports
from domain.run_names import Outcome
from domain.runs import estimate_downtime, sync_advice

PHASE_STARTED = "phase-started"
PHASE_FINISHED = "phase-finished"
JOB_STARTED = "job-started"
JOB_ADOPTED = "job-adopted"
JOB_FINISHED = "job-finished"
DECISION = "decision"
AZURE_VM_SHUTDOWN = "azure-vm-shutdown"
ONPREM_VERIFIED = "onprem-verified"
NOTE = "note"

# Outcomes of a run (the report's ``outcome``): ``domain.run_names.Outcome``, by their old names too.
SUCCEEDED = Outcome.SUCCEEDED
REJECTED = Outcome.REJECTED
DRY_RUN = Outcome.DRY_RUN
NOT_APPROVED = Outcome.NOT_APPROVED
CANCELLED = Outcome.CANCELLED
FAILED = Outcome.FAILED
LEFT_MANUAL = Outcome.LEFT_MANUAL
WINDOW_MISSED = Outcome.WINDOW_MISSED

#: Every outcome :func:`build_report` accepts.
OUTCOMES = tuple(Outcome)

#: V6: known after-effects per kind and OS type, reported to the operator.
_AFTER_EFFECTS: dict[tuple[str, str], list[str]] = {
    ("vmware", "linux"): [
        "Linux VM: the network manager package was removed; the VM uses DHCP instead of its static IP "
        "(V6). Restore the static IP configuration by hand if needed.",
    ],
}


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


def after_effects(kind: str, os_type: str | None) -> list[str]:
    """V6 after-effects to report for a kind (``hyperv``, ``vmware-*``) and OS type."""
    family = "vmware" if kind.startswith("vmware") else kind
    return list(_AFTER_EFFECTS.get((family, (os_type or "").lower()), []))


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


def gate_record(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """What an approval gate's result adds to its ``decision`` timeline entry (the audit trail).

    Args:
        result: the ``approval_gate`` output (``at``, ``approvers``, ``decisions``).

    Returns:
        ``{decidedAt, approvers, votes}``: when the gate decided, every quorum member who approved,
        and every decision it received — who, when, decision, comment, the checklist items
        attested, the link's nonce, whether it counted and, if not, why.
    """
    result = result or {}
    keys = ("by", "at", "decision", "comment", "attested", "nonce", "accepted", "reason")
    votes = [
        {k: d.get(k) for k in keys if k in d} for d in result.get("decisions") or [] if isinstance(d, Mapping)
    ]
    return {
        "decidedAt": result.get("at"),
        "approvers": list(result.get("approvers") or []),
        "votes": votes,
    }


def _advice(
    durations: list[dict[str, Any]], item: Mapping[str, Any] | None, data_sync: Mapping[str, Any] | None
) -> list[str]:
    """H11: the sync-time advice when sync phase 1 ran long or the item's estimate is long."""
    phase1 = next((d["seconds"] for d in durations if d["phase"] == "sync"), None)
    option = (data_sync or {}).get("dataSyncOption")
    size = (item or {}).get("diskSizeGB")
    estimate = estimate_downtime(float(size), str(option)) if option and size is not None else None
    text = sync_advice(phase1_seconds=phase1, estimate=estimate)
    return [text] if text else []


def build_report(
    *,
    run_id: str,
    request: Mapping[str, Any],
    outcome: str,
    timeline: list[Mapping[str, Any]],
    item: Mapping[str, Any] | None = None,
    data_sync: Mapping[str, Any] | None = None,
    preflight: Mapping[str, Any] | None = None,
    verification: Mapping[str, Any] | None = None,
    error: Mapping[str, Any] | None = None,
    os_type: str | None = None,
) -> dict[str, Any]:
    """Assemble the report of a run (the orchestrator's output, posted to the callback URL).

    Args:
        run_id: the instance id.
        request: the request dict (``FailbackRequest.to_dict()``).
        outcome: one of :data:`OUTCOMES`.
        timeline: the run's timeline entries.
        item: ``ItemFacts`` (or ``ItemRef``) of the item.
        data_sync: ``resolve_data_sync`` output (option, recommendation and reason).
        preflight: the pre-flight result.
        verification: the last ``verify_onprem`` result.
        error: ``FailbackError.to_dict()``-like ``{code, message, remedy}`` when the run failed.
        os_type: the VM's OS type, for the V6 after-effects.

    Returns:
        ``{runId, outcome, vault, item, dataSync, timeline, phases, downtimeSeconds, downtime
        (ASR's and the workflow's shares, :func:`downtime_shares`), asrJobs,
        decisions, preflight, verification, afterEffects, advice, error, startedAt, finishedAt}``;
        ``advice`` carries H11's advice when sync phase 1 ran long or the estimate is long.

    Raises:
        ValueError: ``outcome`` is not one of :data:`OUTCOMES` (a report a caller cannot interpret).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
    entries = [dict(e) for e in timeline]
    durations = phase_durations(entries)
    return {
        "runId": run_id,
        "outcome": outcome,
        "kind": request.get("kind", "hyperv"),
        "vault": request.get("vault"),
        "item": dict(item) if item else request.get("item"),
        "location": request.get("location"),
        "dataSync": dict(data_sync) if data_sync else None,
        "startedAt": entries[0]["at"] if entries else None,
        "finishedAt": entries[-1]["at"] if entries else None,
        "timeline": entries,
        "phases": durations,
        "downtimeSeconds": downtime_seconds(entries),
        "downtime": downtime_shares(entries),
        "asrJobs": asr_jobs(entries),
        "decisions": decisions(entries),
        "preflight": dict(preflight) if preflight else None,
        "verification": dict(verification) if verification else None,
        "afterEffects": after_effects(str(request.get("kind", "hyperv")), os_type),
        "advice": _advice(durations, item, data_sync),
        "error": dict(error) if error else None,
    }


# ---------------------------------------------------------------- presentation (pages, cards, CLI)

#: How each outcome looks: ``success`` (green), ``warning`` (amber: nothing changed, the Azure VM
#: keeps running) or ``error`` (red: a failure someone must look at).
OUTCOME_TONES: dict[str, str] = {
    SUCCEEDED: "success",
    DRY_RUN: "success",
    FAILED: "error",
    REJECTED: "error",
    LEFT_MANUAL: "error",
    NOT_APPROVED: "warning",
    CANCELLED: "warning",
    WINDOW_MISSED: "warning",
}

#: Per outcome: the headline and what to do next (catalog ids, translated where shown).
OUTCOME_TEXTS: dict[str, tuple[str, str]] = {
    SUCCEEDED: (
        N_("Failback succeeded"),
        N_("The VM runs on-premises. Check the report below for the downtime and the reverse replication."),
    ),
    DRY_RUN: (
        N_("Dry run: pre-flight passed, nothing was changed"),
        N_("Start the failback without dryRun when you are ready."),
    ),
    FAILED: (
        N_("Failback failed"),
        N_("Read the error below and open the ASR job in the Azure portal; fix the cause, then start again."),
    ),
    REJECTED: (
        N_("Pre-flight failed: nothing was changed"),
        N_("Fix what each failed check below says, then start the failback again."),
    ),
    LEFT_MANUAL: (
        N_("Verification failed: left for manual handling"),
        N_(
            "The on-premises VM did not pass verification and nobody chose to commit. Check the VM, "
            "then commit or cancel the failover in the Azure portal."
        ),
    ),
    NOT_APPROVED: (
        N_("Not approved: the Azure VM keeps running"),
        N_("Nothing was switched over. Start a new failback when the approvers agree."),
    ),
    CANCELLED: (
        N_("Cancelled: the Azure VM keeps running"),
        N_("Nothing was switched over. Start a new failback when you are ready."),
    ),
    WINDOW_MISSED: (
        N_("Maintenance window missed: the Azure VM keeps running"),
        N_("Start a new failback with a maintenance window that is still ahead."),
    ),
}

#: Phase names as people read them (catalog ids).
PHASE_LABELS: dict[str, str] = {
    "preflight": N_("Pre-flight checks"),
    "sync": N_("Sync phase 1 (VM still running)"),
    "approval": N_("Approval"),
    "window": N_("Maintenance window"),
    "switchover": N_("Switchover (downtime)"),
    "verify": N_("Verification"),
    "commit": N_("Commit"),
    "reprotect": N_("Re-protect"),
    "report": N_("Report"),
    "waves": N_("Waves"),
    "plan": N_("Recovery plan"),
}


def outcome_tone(outcome: str | None) -> str:
    """``success``, ``warning`` or ``error`` for an outcome; ``error`` for an unknown one."""
    return OUTCOME_TONES.get(str(outcome), "error")


#: Short outcome labels for lists and cards (catalog ids).
OUTCOME_LABELS: dict[str, str] = {
    SUCCEEDED: N_("Succeeded"),
    DRY_RUN: N_("Dry run passed"),
    FAILED: N_("Failed"),
    REJECTED: N_("Pre-flight failed"),
    LEFT_MANUAL: N_("Left for manual handling"),
    NOT_APPROVED: N_("Not approved"),
    CANCELLED: N_("Cancelled"),
    WINDOW_MISSED: N_("Window missed"),
}
