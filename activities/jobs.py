"""Activities on ASR jobs: ``get_job``, ``resume_job``, ``cancel_job``.

``resume_job`` refuses nothing and is idempotent: a job no longer waiting (already
resumed, finished) is adopted. The job that goes on after a resume is the one the item's
``currentScenario`` names (G3: the work may continue in a new job; G4: the resume's LRO id is
not a job name). ``cancel_job`` re-reads the job first and REFUSES with
``[CANCEL_REFUSED_DATA_SYNC]`` while data synchronizes or is about to, or when it cannot tell
(H10: cancelling then leaves the on-prem VM unbootable) — it never cancels then. A cancel is
long-running (R55/R56): the job reads ``Cancelling`` first; the activity returns that state and
the orchestrator waits for ``Cancelled`` (``wait_for_asr_job``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import azure.durable_functions as df
from azure.mgmt.recoveryservicessiterecovery import models

from activities.asr_common import (
    Vault,
    is_conflict,
    log_event,
    newest_time,
    now_of,
    read_job_dict,
    start_operation,
)
from activities.items import read_rpi
from activities.vault_cache import job_for_write
from clients.settings import Settings
from domain.contracts import CancelJobResult, JobInput, JobSnapshot, JobStarted, ResumeInput
from domain.errors import FailbackError
from domain.items import item_facts, job_name_from_id
from domain.jobs import is_sync_task, is_terminal, job_snapshot

bp = df.Blueprint()


def job_now(payload: Mapping[str, Any], job: Mapping[str, Any], settings: Settings | None) -> datetime:
    """Reference time for a job's ETA; locally without ``now``, its newest task time (a lower bound)."""
    props = job.get("properties") or {}
    stamps = [props.get("startTime"), props.get("endTime")]
    stamps += [t.get(k) for t in props.get("tasks") or [] for k in ("startTime", "endTime")]
    return now_of(payload, settings, newest_time(stamps))


def snapshot(vault: Vault, payload: Mapping[str, Any], job_id: str, settings: Settings | None) -> JobSnapshot:
    """Read a job and build its ``JobSnapshot``."""
    job = read_job_dict(vault, job_id)
    return job_snapshot(job, job_now(payload, job, settings))


def read(payload: JobInput, settings: Settings | None = None) -> JobSnapshot:
    """The ``get_job`` body: ``{vault, jobId, now?}`` → ``JobSnapshot``."""
    vault = Vault(payload["vault"], settings)
    return snapshot(vault, payload, str(payload["jobId"]), settings)


def resume(payload: ResumeInput, settings: Settings | None = None) -> JobStarted:
    """Resume a suspended job ("complete failover", phase 2), or adopt it if already resumed.

    Args:
        payload: ``{vault, jobId, comments, item?}`` (``item``: where to find the job that goes on).
        settings: app settings.

    Returns:
        ``{jobId, adopted, state}``; ``jobId`` is the job that now runs phase 2.
    """
    vault = Vault(payload["vault"], settings)
    name = job_name_from_id(str(payload["jobId"]))
    listed = job_for_write(vault, payload, name)  # a wave's resume: the grid point's job scan when fresh
    if listed is not None:
        snap = job_snapshot(listed, job_now(payload, listed, settings))
    else:
        snap = snapshot(vault, payload, name, settings)
    if not _resumable(snap):
        going_on = _going_on(vault, payload, name, snap)
        log_event(payload, "resume_job: adopted", jobId=going_on, state=snap["state"])
        state = snap["state"] if going_on == name else snapshot(vault, payload, going_on, settings)["state"]
        return {"jobId": going_on, "adopted": True, "state": state}
    body = models.ResumeJobParams(
        properties=models.ResumeJobParamsProperties(comments=str(payload.get("comments") or "")[:500])
    )
    try:
        started = start_operation(
            f"resume job {name}", vault.client.replication_jobs.begin_resume, *vault.args, name, body
        )
    except FailbackError as err:
        if not is_conflict(err):
            raise
        # Someone (or our own earlier attempt) resumed it between our read and our POST.
        snap = snapshot(vault, payload, name, settings)
        if _resumable(snap):
            raise
        going_on = _going_on(vault, payload, name, snap)
        log_event(payload, "resume_job: adopted after conflict", jobId=going_on, state=snap["state"])
        return {"jobId": going_on, "adopted": True, "state": snap["state"]}
    if payload.get("writeTick"):
        # a wave's resume: its job wait follows the job, into the job the work went on in (G3) if any
        log_event(payload, "resume_job: resumed", jobId=name, state="InProgress")
        return {"jobId": name, "adopted": False, "state": "InProgress"}
    # G4: ``started`` is the resume's LRO id, not necessarily a job; the item names the job going on
    job_id = _going_on(vault, payload, name, snap, started)
    state = snapshot(vault, payload, job_id, settings)["state"]
    log_event(payload, "resume_job: resumed", jobId=job_id, state=state)
    return {"jobId": job_id, "adopted": False, "state": state}


def _going_on(
    vault: Vault, payload: Mapping[str, Any], name: str, snap: Mapping[str, Any], lro_id: str | None = None
) -> str:
    """The job that carries on after ``name`` was resumed (G3: possibly a new job), else ``name``."""
    ref = payload.get("item")
    if ref:
        current: Mapping[str, Any] = item_facts(read_rpi(vault, ref)).get("currentScenario") or {}
        if current.get("jobId") and current.get("scenarioName") == snap.get("scenarioName"):
            return str(current["jobId"])
    if lro_id and lro_id != name:
        try:  # G4: an LRO id that names a job of the same scenario (resume continued in it)
            other = read_job_dict(vault, lro_id)
            if (other.get("properties") or {}).get("scenarioName") == snap.get("scenarioName"):
                return str(other.get("name") or name)
        except FailbackError:
            pass
    return name


def _resumable(snap: Mapping[str, Any]) -> bool:
    """Whether the job still waits to be resumed (G1: Suspended, or its manual task is)."""
    return bool(snap.get("waitingForAction") and "Resume" in snap["allowedActions"])


def _refusal(snap: Mapping[str, Any]) -> FailbackError | None:
    """Why this job must not be cancelled now, if it must not."""
    name = snap["jobId"]
    waiting = bool(snap.get("waitingForAction"))
    if snap["dataSyncInProgress"]:
        task = (snap.get("currentTask") or {}).get("friendlyName")
        return FailbackError(
            "CANCEL_REFUSED_DATA_SYNC",
            f"job {name} is synchronizing data ({task}); cancelling now would leave the on-premises VM "
            "unbootable (H10). Let it finish.",
            details={"jobId": name, "task": task},
        )
    if not snap["tasks"] and not waiting:
        # H10: nothing shows what the job does now, so nothing shows it is not synchronizing
        return FailbackError(
            "CANCEL_REFUSED_DATA_SYNC",
            f"job {name} is {snap['state']} and ASR shows none of its tasks: it cannot be told whether "
            "data is synchronizing, so it is not cancelled (H10).",
            details={"jobId": name},
        )
    if snap["state"] == "InProgress" and not waiting:
        pending = [t for t in snap["tasks"] if t["state"] in ("NotStarted", "InProgress") and is_sync_task(t)]
        if pending:
            return FailbackError(
                "CANCEL_REFUSED_DATA_SYNC",
                f"job {name} is about to synchronize data ({pending[0]['friendlyName']}); a cancel could "
                "land during the synchronization (H10). Let it finish.",
                details={"jobId": name, "task": pending[0]["friendlyName"]},
            )
        return FailbackError(
            "CANCEL_NOT_ALLOWED", f"job {name} is running; only a suspended job is cancelled"
        )
    if "Cancel" not in snap["allowedActions"]:
        return FailbackError(
            "CANCEL_NOT_ALLOWED",
            f"job {name} is {snap['state']} and does not allow Cancel",
            details={"jobId": name},
        )
    return None


#: A job asked to cancel: R55 ``Cancelling`` first (not done: the orchestrator waits), then ``Cancelled``.
CANCEL_STATES = ("Cancelling", "Cancelled", "Canceled")


def cancel(payload: JobInput, settings: Settings | None = None) -> CancelJobResult:
    """Cancel a suspended (or not yet started) job, never one that synchronizes data (H10).

    Args:
        payload: ``{vault, jobId}``.
        settings: app settings.

    Returns:
        ``{jobId, state, adopted}``.

    Raises:
        FailbackError: ``CANCEL_REFUSED_DATA_SYNC`` or ``CANCEL_NOT_ALLOWED``.
    """
    vault = Vault(payload["vault"], settings)
    name = job_name_from_id(str(payload["jobId"]))
    snap = snapshot(vault, payload, name, settings)
    if snap["state"] in CANCEL_STATES:  # R55: already cancelling or cancelled
        return {"jobId": name, "state": snap["state"], "adopted": True}
    if is_terminal(snap["state"]):
        raise FailbackError(
            "CANCEL_NOT_ALLOWED", f"job {name} already ended {snap['state']}", details={"jobId": name}
        )
    refusal = _refusal(snap)
    if refusal is not None:
        log_event(payload, "cancel_job: refused", jobId=name, code=refusal.code)
        raise refusal
    try:
        start_operation(f"cancel job {name}", vault.client.replication_jobs.begin_cancel, *vault.args, name)
    except FailbackError as err:
        if not is_conflict(err):
            raise
        # Someone (or our own earlier attempt) cancelled it between our read and our POST.
        state = snapshot(vault, payload, name, settings)["state"]
        if state not in CANCEL_STATES:
            raise
        log_event(payload, "cancel_job: adopted after conflict", jobId=name, state=state)
        return {"jobId": name, "state": state, "adopted": True}
    state = snapshot(vault, payload, name, settings)["state"]
    log_event(payload, "cancel_job: cancelled", jobId=name, state=state)
    return {"jobId": name, "state": state, "adopted": False}


@bp.activity_trigger(input_name="payload")
def get_job(payload: dict) -> dict:
    """Read an ASR job as a ``JobSnapshot`` (docs/contracts.md §5)."""
    return dict(read(cast(JobInput, payload)))


@bp.activity_trigger(input_name="payload")
def resume_job(payload: dict) -> dict:
    """Resume the suspended failback job (phase 2), idempotently (docs/contracts.md §5)."""
    return dict(resume(cast(ResumeInput, payload)))


@bp.activity_trigger(input_name="payload")
def cancel_job(payload: dict) -> dict:
    """Cancel a suspended job; refused while data synchronizes (H10, docs/contracts.md §5)."""
    return dict(cancel(cast(JobInput, payload)))
