"""Failback runs as the durable client sees them: find, read and wait on them.

Shared by the routes of ``function_app/failbacks.py`` (and, through its ``start_run`` and
``request_cancel``, the alert route). Only failback runs are visible here, never their gate
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

from domain.runs import is_run_of, run_prefix
from function_app.json_body import json_object
from function_app.status_pages import is_run

#: How often :func:`wait_for` re-reads a status (real seconds).
POLL_SECONDS = 0.2
#: Runtime states of a run that has not ended.
RUNNING = (Rs.Running, Rs.Pending, Rs.ContinuedAsNew)


def custom_status(status: DurableOrchestrationStatus) -> dict[str, Any]:
    """A run's custom status as a dict (``{}`` when it has none yet)."""
    return json_object(status.custom_status)


async def get_run(
    client: df.DurableOrchestrationClient, instance_id: str
) -> DurableOrchestrationStatus | None:
    """The status of a failback run, or None for an unknown id or anything that is not a run."""
    if not is_run(instance_id):  # only failback runs are exposed here, not their gates or job waits
        return None
    status = await client.get_status(instance_id)
    return status if status and status.runtime_status is not None else None


async def existing_run(client: df.DurableOrchestrationClient, vault: str, item: str) -> str | None:
    """The id of a run of this item that is still in progress, if any (one run per item)."""
    found = await client.get_status_by(
        instance_id_prefix=run_prefix(vault, item), runtime_status=list(RUNNING)
    )
    ids = sorted(
        s.instance_id for s in found or [] if s.instance_id and is_run_of(s.instance_id, vault, item)
    )
    return ids[0] if ids else None


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


async def live_run_jobs(client: df.DurableOrchestrationClient, vault: str) -> dict[str, str]:
    """``{jobId: runId}`` of the vault's runs in progress (their custom status names their job).

    Pre-flight adopts a failback already under way in ASR, but never one of these: another
    run of ours drives it (e.g. a run that named the item by friendly name, this one by ASR name).
    """
    found = await client.get_status_by(
        instance_id_prefix=run_prefix(vault, "").removesuffix("-"), runtime_status=list(RUNNING)
    )
    jobs: dict[str, str] = {}
    for status in found or []:
        job_id = custom_status(status).get("jobId")
        if status.instance_id and is_run(status.instance_id) and job_id:
            jobs[str(job_id)] = status.instance_id
    return jobs
