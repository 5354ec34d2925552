"""Failback runs as the durable client sees them: find, read and wait on them.

Shared by the failback routes and their services (``function_app.run_start``, ``run_cancel``,
``run_claim``, ``run_holders``). Only failback runs are visible here, never their gate
or job-wait sub-orchestrations.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Rs
from azure.durable_functions.models.RpcManagementOptions import RpcManagementOptions

from domain.run_names import vault_run_prefix
from function_app.json_body import json_object
from function_app.status_pages import is_run

#: How often :func:`wait_for` re-reads a status (real seconds).
POLL_SECONDS = 0.2
#: Runtime states of a run that has not ended.
RUNNING = (Rs.Running, Rs.Pending, Rs.ContinuedAsNew)


def custom_status(status: DurableOrchestrationStatus) -> dict[str, Any]:
    """A run's custom status as a dict (``{}`` when it has none yet)."""
    return json_object(status.custom_status)


async def raise_if_live(
    client: df.DurableOrchestrationClient, instance_id: str, event: str, data: Any
) -> bool:
    """Raise ``event`` on an instance; False when it ended in the meantime (410 Gone from the host).

    Every route that read a status and then raises an event races the instance's end: that race is
    a normal answer ("it has ended", "the gate decided"), never a 500. Other failures still raise.
    """
    try:
        await client.raise_event(instance_id, event, data)
    except Exception as exc:  # the Durable client raises a bare Exception carrying the host's message
        if "is gone" not in str(exc):
            raise
        return False
    return True


async def get_run(
    client: df.DurableOrchestrationClient, instance_id: str
) -> DurableOrchestrationStatus | None:
    """The status of a failback run, or None for an unknown id or anything that is not a run."""
    if not is_run(instance_id):  # only failback runs are exposed here, not their gates or job waits
        return None
    status = await client.get_status(instance_id)
    return status if status and status.runtime_status is not None else None


async def wait_for(
    client: df.DurableOrchestrationClient,
    instance_id: str,
    done: Callable[[DurableOrchestrationStatus], bool],
    seconds: float,
) -> DurableOrchestrationStatus | None:
    """Poll the status until ``done(status)`` or ``seconds`` pass (real time); the last status."""
    deadline = time.monotonic() + seconds
    status = None
    while True:
        status = await client.get_status(instance_id)
        if status and done(status):
            return status
        if time.monotonic() >= deadline:
            return status
        await asyncio.sleep(POLL_SECONDS)


async def live_runs(client: df.DurableOrchestrationClient, vault: str) -> list[DurableOrchestrationStatus]:
    """The vault's failback runs in progress, each with its input (one listing).

    The SDK's ``get_status_by`` cannot ask for inputs (``showInput`` defaults to false on
    a listing), and a run not yet resolved by pre-flight is known only by its input, so the
    same query is issued with ``showInput=true`` through the client's own HTTP call.
    """
    options = RpcManagementOptions(
        instance_id_prefix=vault_run_prefix(vault),
        runtime_status=list(RUNNING),
        show_input=True,
    )
    code, body = await client._get_async_request(options.to_url(client._orchestration_bindings.rpc_base_url))
    if code != 200:
        raise RuntimeError(f"listing the runs of {vault} answered {code}")
    statuses = [DurableOrchestrationStatus.from_json(o) for o in body or []]
    return [s for s in statuses if s.instance_id and is_run(s.instance_id)]


def jobs_of(runs: list[DurableOrchestrationStatus]) -> dict[str, str]:
    """``{jobId: runId}`` of these runs (their custom status names their job).

    Pre-flight adopts a failback already under way in ASR, but never one of these: another
    run of ours drives it.
    """
    jobs: dict[str, str] = {}
    for status in runs:
        job_id = custom_status(status).get("jobId")
        if job_id:
            jobs[str(job_id)] = str(status.instance_id)
    return jobs


def _names(item: Any) -> set[str]:
    if not isinstance(item, dict):
        return set()
    return {str(item[k]).strip().lower() for k in ("name", "friendlyName") if item.get(k)}


def run_names_item(status: DurableOrchestrationStatus, vault: str, item: dict[str, Any]) -> bool:
    """Whether a live run fails back this item of this vault, however either side named it.

    ``item`` is ``{name?, friendlyName?}`` as requested. The run is known by the item
    pre-flight resolved (custom status ``item``: ASR name and VM friendly name) and, before
    that, by the item identifiers of its input. Names compare case-insensitively.
    """
    run_input = json_object(status.input_)
    request = json_object(run_input.get("request"))
    run_vault = json_object(request.get("vault")).get("name")
    if run_vault and str(run_vault).lower() != vault.lower():  # the listing prefix also matches vault-dr2
        return False
    known = _names(custom_status(status).get("item")) | _names(request.get("item"))
    return bool(known & _names(item))


def run_of_item(runs: list[DurableOrchestrationStatus], vault: str, item: dict[str, Any]) -> str | None:
    """The id of the first (oldest id) of these runs that fails back this item, if any."""
    ids = sorted(str(s.instance_id) for s in runs if run_names_item(s, vault, item))
    return ids[0] if ids else None


async def job_steps(client: df.DurableOrchestrationClient, instance_id: str) -> list[dict[str, Any]]:
    """The ASR jobs the run waited on, with their steps, from its job-wait sub-orchestrations.

    Returns:
        ``[{jobId, state, phase, startTime, endTime, tasks: [{name, friendlyName, state, startTime,
        endTime}]}]``, in start order; a job still followed has only what its last poll kept.
    """
    try:
        found = await client.get_status_by(instance_id_prefix=f"{instance_id}:")
    except Exception:  # the dashboard shows the run without its job steps
        return []
    jobs = []
    for s in sorted(found or [], key=lambda x: str(x.created_time or "")):
        out = json_object(s.output)
        snap = json_object(out.get("snapshot")) or json_object(json_object(s.custom_status).get("snapshot"))
        if not (out.get("jobId") or snap.get("jobId")):
            continue
        jobs.append(
            {
                "jobId": out.get("jobId") or snap.get("jobId"),
                "state": snap.get("state") or out.get("state") or json_object(s.custom_status).get("state"),
                "operation": snap.get("scenarioName"),
                "startTime": snap.get("startTime"),
                "endTime": snap.get("endTime"),
                "tasks": [t for t in snap.get("tasks") or [] if isinstance(t, dict)],
            }
        )
    return jobs
