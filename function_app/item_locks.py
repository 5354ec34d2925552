"""One claim per protected item, shared by single runs, plans and waves (W6; issue 12, part 1).

A run's own instance id is a singleton only among runs of the same kind: a single run of VM X
(``fb-<vault>-x-<hash>-gN``) and a waves run containing X (``fb-<vault>-<label>-<hash>-gN``) have
different ids, so "is X held?" followed by "start" let both start when they came at once. Before any
run starts, :func:`take` therefore claims every item it will drive by starting that item's lock
instance ``lock-<hash of the canonical ARM id>`` (orchestrator ``item_lock``). The Durable host refuses
to start an instance id that is running, so of concurrent starters exactly one holds the item; the
others read the holder back from the lock's input.

A lock outlives its run (its timer is long), so a lock whose holder has ended — or never started
within :data:`PENDING_GRACE` — is stale: the next taker terminates it and takes it. A lock ends by
itself after :data:`LOCK_DAYS`; runs that live longer (or started before locks existed) are still
found by ``run_claim.holder``, which the claim re-checks once the locks are held.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Rs

from function_app.json_body import json_object

bp = df.Blueprint()
log = logging.getLogger(__name__)

LOCK_ORCHESTRATOR = "item_lock"
#: A Python durable timer is capped near six days.
LOCK_DAYS = 5
#: A holder that has not started this long after it took the lock gave up (its request failed).
PENDING_GRACE = timedelta(seconds=60)
_LIVE = (Rs.Running, Rs.Pending, Rs.ContinuedAsNew, Rs.Suspended)
ATTEMPTS = 20


def lock_id(item: str) -> str:
    """Instance id of the lock of one item (its canonical ARM id); not a run (no ``fb-`` prefix)."""
    return "lock-" + hashlib.sha256(item.lower().encode()).hexdigest()[:32]


@bp.orchestration_trigger(context_name="context")
def item_lock(context: df.DurableOrchestrationContext) -> Any:
    """Hold one item for the run named in the input (``{item, holder}``) until a taker ends it."""
    record = json_object(context.get_input())
    context.set_custom_status(record)
    yield context.create_timer(context.current_utc_datetime + timedelta(days=LOCK_DAYS))
    return record


async def _holder_alive(client: df.DurableOrchestrationClient, lock: Any) -> str | None:
    """The lock's holder while it holds (live, or about to start); None when the lock is stale."""
    holder = str(json_object(lock.input_).get("holder") or "")
    if not holder:
        return None
    status = await client.get_status(holder)
    if status is not None and status.runtime_status in _LIVE:
        return holder
    if status is None or status.runtime_status is None:  # not started yet: within the grace only
        created = lock.created_time
        if created is not None:
            created = created if created.tzinfo else created.replace(tzinfo=UTC)
            if datetime.now(UTC) - created < PENDING_GRACE:
                return holder
    return None


async def _take_one(client: df.DurableOrchestrationClient, item: str, holder: str) -> str | None:
    """Take the lock of ``item`` for ``holder``; None when taken, else the run holding it."""
    instance = lock_id(item)
    for _ in range(ATTEMPTS):
        lock = await client.get_status(instance, show_input=True)
        if lock is None or lock.runtime_status not in _LIVE:
            try:
                await client.start_new(LOCK_ORCHESTRATOR, instance, {"item": item, "holder": holder})
                return None
            except Exception:  # a concurrent taker started it a moment ago: read who
                await asyncio.sleep(0.05)
                continue
        other = await _holder_alive(client, lock)
        if other == holder:
            return None
        if other is not None:
            return other
        log.info("lock of %s: holder %s ended, taken over", item, json_object(lock.input_).get("holder"))
        with contextlib.suppress(Exception):  # another taker terminated it first
            await client.terminate(instance, "stale: its holder ended")
        await asyncio.sleep(0.05)
    raise RuntimeError(f"could not take the lock of {item}")


async def release(client: df.DurableOrchestrationClient, items: Iterable[str], holder: str) -> None:
    """Give back the locks ``holder`` took (a claim that did not start its run)."""
    for item in items:
        lock = await client.get_status(lock_id(item), show_input=True)
        if (
            lock is not None
            and lock.runtime_status in _LIVE
            and json_object(lock.input_).get("holder") == holder
        ):
            try:
                await client.terminate(lock_id(item), "released: the run did not start")
            except Exception:  # already ended
                log.info("lock of %s already released", item)


async def take(
    client: df.DurableOrchestrationClient, items: Iterable[str], holder: str
) -> tuple[str, str] | None:
    """Take the lock of every item for ``holder`` (sorted, so two takers meet in the same order).

    Returns:
        None when every lock is ``holder``'s now; else ``(the run holding an item, that item)``,
        with every lock taken here given back.
    """
    taken: list[str] = []
    for item in sorted(set(items)):
        other = await _take_one(client, item, holder)
        if other is not None:
            await release(client, taken, holder)
            return other, item
        taken.append(item)
    return None
