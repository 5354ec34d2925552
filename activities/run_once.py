"""Run one ASR operation on an item once: adopt the one under way (or finished), else start it.

Every ASR-changing activity (``activities.operations``, ``activities.vmware``) goes through
:func:`run_once`. It first reads the item: an operation of its kind already running
(``currentScenario``) or already finished (the item moved past it) is adopted —
``{jobId, adopted: true}`` — instead of starting a second one (H1); another operation running
raises ``[SCENARIO_IN_PROGRESS]``. It starts the long-running operation with ``polling=False``
and returns the job id at once: the orchestrator waits with durable timers, never the activity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from activities.asr_common import (
    Vault,
    is_conflict,
    job_name_of,
    job_targets,
    latest_job,
    log_event,
)
from activities.items import read_rpi
from activities.write_reads import item_for_write
from domain.contracts import JobStarted
from domain.errors import FailbackError
from domain.items import item_facts, parse_time

#: A test of a job's ``scenarioName``: is it the operation's kind?
Scenario = Callable[[str], bool]


def _adopt_running(facts: Mapping[str, Any], scenario: Scenario, operation: str) -> JobStarted | None:
    """Adopt the item's running operation if it is ours; refuse if it is another one."""
    current = facts.get("currentScenario")
    if not current:
        return None
    if scenario(str(current.get("scenarioName"))):
        return {"jobId": str(current["jobId"]), "adopted": True}
    raise FailbackError(
        "SCENARIO_IN_PROGRESS",
        f"{operation}: item {facts['name']} runs {current.get('scenarioName')} (job {current.get('jobId')})",
        details={"jobId": current.get("jobId"), "scenarioName": current.get("scenarioName")},
    )


def _item_job(vault: Vault, facts: Mapping[str, Any], scenario: Scenario, since: datetime | None) -> Any:
    """The newest job of this kind on the item since ``since``, by VM id or VM name (R35/R57)."""
    return latest_job(
        vault,
        str(facts.get("vmId") or ""),
        scenario,
        names=[str(facts.get("friendlyName") or "")],
        since=since,
    )


def _adopt_finished(
    vault: Vault, facts: Mapping[str, Any], scenario: Scenario, operation: str, since: datetime | None = None
) -> JobStarted:
    """Adopt the latest finished job of this kind on the item, or explain why nothing can start.

    ``since``: only a job started after it is ours (a commit after our failback, never the commit
    of the failover to Azure that preceded it).
    """
    job = _item_job(vault, facts, scenario, since)
    if job is None:
        after = f" since {since.isoformat()}" if since is not None else ""
        raise FailbackError(
            "OPERATION_NOT_ALLOWED",
            f"{operation}: item {facts['name']} is {facts.get('protectionState')} "
            f"(allowed: {facts.get('allowedOperations')}) and no {operation} job{after} was found",
        )
    state = str((job.get("properties") or {}).get("state"))
    return {"jobId": job_name_of(job), "adopted": True, "state": state}


def _started_job(
    vault: Vault, ref: Mapping[str, Any], header_id: str | None, scenario: Scenario, posted: datetime | None
) -> str | None:
    """The job a POST started.

    G4: the LRO id need not be the job name, so the item says which job runs
    (``currentScenario``); else the LRO id if it names a job; else the newest job of the kind on
    the item since the POST.
    """
    facts = item_facts(read_rpi(vault, ref))
    current: Mapping[str, Any] = facts.get("currentScenario") or {}
    if current.get("jobId") and scenario(str(current.get("scenarioName"))):
        return str(current["jobId"])
    if header_id:
        try:
            job = vault.client.replication_jobs.get(*vault.args, header_id).as_dict()
        except Exception:
            job = None
        if job and job_targets(job, [str(facts.get("vmId") or "")], [str(facts.get("friendlyName") or "")]):
            return job_name_of(job)
    found = _item_job(vault, facts, scenario, posted)
    return job_name_of(found) if found is not None else header_id


def run_once(
    vault: Vault,
    payload: Mapping[str, Any],
    *,
    operation: str,
    scenario: Scenario,
    allowed: str | Callable[[Mapping[str, Any]], bool],
    already_done: Callable[[Mapping[str, Any]], bool],
    begin: Callable[[Mapping[str, Any], Mapping[str, Any]], str | None],
    since: Callable[[Mapping[str, Any]], datetime | None] | None = None,
) -> JobStarted:
    """Read the item, adopt or start the operation, and return ``{jobId, adopted}``.

    ``allowed``: the ``allowedOperations`` name that permits it, or a test of the item's facts.
    ``since``: when a finished job of this kind counts as ours (default: any time).
    """
    # a wave's write: the grid point's vault-level item list when fresh (activities.write_reads)
    listed = item_for_write(vault, payload)
    rpi = listed or read_rpi(vault, payload["item"])
    facts = item_facts(rpi)
    permitted = allowed(facts) if callable(allowed) else allowed in facts["allowedOperations"]
    adopted = _adopt_running(facts, scenario, operation)
    if adopted is None and not permitted:
        if not already_done(facts):
            raise FailbackError(
                "OPERATION_NOT_ALLOWED",
                f"{operation}: item {facts['name']} does not allow it now "
                f"(state {facts.get('protectionState')}, allowed {facts.get('allowedOperations')})",
            )
        adopted = _adopt_finished(vault, facts, scenario, operation, since(facts) if since else None)
    if adopted is not None:
        log_event(payload, f"{operation}: adopted job", jobId=adopted["jobId"], item=facts["name"])
        return adopted
    try:
        job_id = begin(rpi, facts)
    except FailbackError as err:
        if not is_conflict(err):
            raise
        # Someone (or our own earlier attempt) started it between our read and our POST.
        again = item_facts(read_rpi(vault, payload["item"]))
        adopted = _adopt_running(again, scenario, operation)
        if adopted is None and listed is not None and already_done(again):
            # the list (read at the grid point) predates an operation that has already ended: ours
            adopted = _adopt_finished(vault, again, scenario, operation, since(again) if since else None)
        if adopted is None:
            raise
        log_event(payload, f"{operation}: adopted job after conflict", jobId=adopted["jobId"])
        return adopted
    if not (job_id and payload.get("writeTick")):
        job_id = _started_job(vault, payload["item"], job_id, scenario, parse_time(payload.get("now")))
    # else a wave's write: its job wait finds the job in the next vault-level job scan (by this id, or
    # G4: when the id names no job, as the newest job of the kind on the item) instead of a read here
    log_event(payload, f"{operation}: started job", jobId=job_id, item=facts["name"])
    return {"jobId": job_id, "adopted": False}
