"""One run per item, atomically (issue 12, part 1): claim the run of what a request names.

``POST /api/failbacks`` (and the alert route through ``start_run``) call :func:`claim_run`:

1. **Resolve** what the request names to its canonical ARM id (``function_app.run_resolve``).
2. **Find a holder**: a live run of the same vault — by full vault id, never by name — that claims
   the item (``function_app.run_holders``).
3. **Claim**: the instance id is ``<base>-g<generation>``; if the newest generation is live it is
   the item's run, otherwise the next generation is started. The Durable host refuses to start an
   instance id that is running, so of concurrent requests exactly one starts it; the others read it
   back as the existing run. A dry run gets an id of its own and never holds the item.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

import azure.durable_functions as df

from domain import run_names as ids
from domain.contracts import RunClaims, RunInput
from domain.request import FailbackRequest
from domain.vmware import MAX_MT_DISKS
from function_app.item_locks import release as release_items
from function_app.item_locks import take as take_items
from function_app.master_target_claim import MasterTarget, MasterTargetFullError, hold, master_target_of
from function_app.master_target_claim import release as release_target
from function_app.run_holders import LIVE, holder, jobs_of, live_runs, master_target_disks
from function_app.run_resolve import Resolved, resolve

log = logging.getLogger(__name__)

#: How many times a claim re-reads the generations after losing a race to an ended run's successor.
CLAIM_ATTEMPTS = 5


class ItemHeldError(Exception):
    """A member of a waves or plan request is being failed back by another run."""

    def __init__(self, run_id: str, member: str) -> None:
        super().__init__(f"{member} is being failed back by run {run_id}")
        self.run_id = run_id
        self.member = member


async def _start_new(
    client: df.DurableOrchestrationClient, orchestrator: str, instance_id: str, run_input: RunInput
) -> bool:
    """Start the instance; False when the host refuses because it exists and runs (lost the race)."""
    try:
        await client.start_new(orchestrator, instance_id, run_input)
    except Exception as exc:
        status = await client.get_status(instance_id)
        if status is not None and status.runtime_status in LIVE:  # None: no such instance
            log.info("start of %s refused, a concurrent request started it: %s", instance_id, exc)
            return False
        raise
    return True


def _held_by(request: FailbackRequest, resolved: Resolved, run_id: str, held: str) -> tuple[str, bool]:
    """Another run holds ``held``: a request for that item joins it; a plan or waves request is refused.

    Raises:
        ItemHeldError: a member of a plan or waves request is held by another run.
    """
    base = ids.run_base(request.vault.name, resolved.label, resolved.key)
    own = ids.generation_of(run_id, base) is not None
    if held == resolved.key or own or request.kind not in ("recovery-plan", "waves"):
        return run_id, False
    raise ItemHeldError(run_id, next((n for n, k in resolved.names.items() if k == held), held))


async def claim_run(
    client: df.DurableOrchestrationClient,
    orchestrator: str,
    request: FailbackRequest,
    make_input: Callable[[str, dict[str, str]], RunInput],
) -> tuple[str, bool]:
    """Start the run of what the request names, or return the run that holds it.

    Args:
        client: the durable client.
        orchestrator: the orchestrator function's name.
        request: the parsed request.
        make_input: ``(instance id, live runs' jobs) -> orchestration input``.

    Returns:
        ``(instance_id, started)``; ``started`` is False when another run holds the item.

    Raises:
        ResolveUnavailableError: ASR could not be read (nothing started).
        ItemHeldError: a member of a plan or waves request is held by another run.
    """
    resolved = await asyncio.to_thread(resolve, request)
    base = ids.run_base(request.vault.name, resolved.label, resolved.key)
    runs = await live_runs(client)
    found = holder(runs, request, resolved)
    if found is not None:
        return _held_by(request, resolved, *found)
    claims: RunClaims = {"key": resolved.key, "items": list(resolved.items)}
    target = await asyncio.to_thread(master_target_of, request)
    if target is not None:
        claims["masterTarget"] = {"id": target.id, "disks": target.disks}

    vault = ids.vault_id(request.vault.to_dict())

    def run_input(instance_id: str, live: list[df.DurableOrchestrationStatus]) -> RunInput:
        made = make_input(instance_id, jobs_of(live))
        disks = master_target_disks(live, vault)
        if disks and isinstance(made.get("request"), dict):
            made["request"]["liveMasterTargetDisks"] = disks
        made["claims"] = claims  # CLAIMS_KEY
        return made

    if request.dry_run:  # a plan only: its own id, never holding the item
        instance_id = f"{base}-dry-{uuid.uuid4().hex[:8]}"
        await client.start_new(orchestrator, instance_id, run_input(instance_id, runs))
        return instance_id, True
    for _ in range(CLAIM_ATTEMPTS):
        listed = await client.get_status_by(instance_id_prefix=f"{base}-g")
        generations = {
            g: s for s in listed or [] if (g := ids.generation_of(str(s.instance_id or ""), base)) is not None
        }
        latest = max(generations, default=0)
        if latest and generations[latest].runtime_status in LIVE:
            return str(generations[latest].instance_id), False
        candidate = ids.run_id(base, latest + 1)
        taken = await client.get_status(candidate)
        if taken is not None and taken.runtime_status is not None:  # a concurrent request took it: re-read
            continue
        # Every item the run drives is claimed atomically first: a waves or plan run and a single
        # run naming one of its items, started at once, have different ids (function_app.item_locks).
        items = resolved.items or (resolved.key,)
        other = await take_items(client, items, candidate)
        if other is not None:
            return _held_by(request, resolved, *other)
        found = holder(await live_runs(client), request, resolved)  # a run older than its lock
        if found is not None:
            await release_items(client, items, candidate)
            return _held_by(request, resolved, *found)
        if target is None:
            return candidate, await _start_new(client, orchestrator, candidate, run_input(candidate, runs))
        return candidate, await _start_on(client, orchestrator, target, vault, candidate, items, run_input)
    raise RuntimeError(f"could not claim a run of {resolved.key}")


async def _start_on(
    client: df.DurableOrchestrationClient,
    orchestrator: str,
    target: MasterTarget,
    vault_id: str,
    candidate: str,
    items: tuple[str, ...],
    run_input: Callable[[str, list[df.DurableOrchestrationStatus]], RunInput],
) -> bool:
    """V3: sum the disks of live runs on the master target and start, as one step per master target.

    Raises:
        MasterTargetFullError: with this VM's disks the master target would pass 60 (its items released).
    """
    await hold(client, target, candidate)
    try:
        live = await live_runs(client)
        others = master_target_disks(live, vault_id)
        busy = others.get(target.id, 0)
        if busy and target.attached + busy + target.disks > MAX_MT_DISKS:
            await release_items(client, items, candidate)
            raise MasterTargetFullError(target, busy)
        return await _start_new(client, orchestrator, candidate, run_input(candidate, live))
    finally:
        await release_target(client, target, candidate)
