"""V3 across simultaneous runs: the 60-disk rule of a master target, summed and started atomically.

A VMware-classic re-protect attaches the VM's disks to a master target, which holds at most 60
(V3). The claim sums the disks of every live run re-protecting to that master target, then starts:
check-then-act, so two requests for different VMs on one master target at the same instant both
passed. :func:`hold` serializes those claims per master target with a lock instance of the same
kind as ``function_app.item_locks`` (orchestrator ``item_lock``, id ``lock-<hash>`` of
``master-target:<id>``): the claim holds it around sum-and-start and gives it back once its run
started, whose input then carries the claim (``claims.masterTarget``) for the next claimer's sum.
A lock whose holder has started (or never started within ``PENDING_GRACE``) is stale: taken over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df

from activities.asr_common import Vault
from activities.items import find_rpi
from activities.vmware_reads import read_fabric
from clients.settings import get_settings
from domain import vmware
from domain.errors import FailbackError
from domain.request import FailbackRequest
from domain.vmware import MAX_MT_DISKS
from function_app.item_locks import LOCK_ORCHESTRATOR, PENDING_GRACE, lock_id
from function_app.item_locks import release as release_lock
from function_app.json_body import json_object
from function_app.run_holders import LIVE
from function_app.run_resolve import UNAVAILABLE, ResolveUnavailableError

log = logging.getLogger(__name__)

#: Kinds whose re-protect attaches the VM's disks to an on-premises master target (V3).
MASTER_TARGET_KINDS = ("vmware-classic",)
#: How long a claim waits for another claim on the same master target (its sum-and-start is short).
HOLD_SECONDS = 60.0


@dataclass(frozen=True)
class MasterTarget:
    """The master target a VMware-classic re-protect of this VM would use, as ASR shows it."""

    id: str
    attached: int  # disks already attached to it (the fabric's ``diskCount``)
    disks: int  # this VM's protected disks

    @property
    def key(self) -> str:
        """What its lock is keyed on (an item lock is keyed on an item's ARM id: never equal)."""
        return f"master-target:{self.id.lower()}"


class MasterTargetFullError(Exception):
    """Live runs already re-protect so many disks to the master target that this VM's would pass 60."""

    def __init__(self, target: MasterTarget, others: int) -> None:
        self.target = target
        self.others = others
        self.total = target.attached + others + target.disks
        super().__init__(
            f"master target {target.id}: {target.attached} attached + {target.disks} of this VM + "
            f"{others} of other live runs = {self.total} disks, more than {MAX_MT_DISKS} (V3). "
            "Retry once those runs re-protected, or name another master target in vmware.masterTarget."
        )


def master_target_of(request: FailbackRequest) -> MasterTarget | None:
    """Read which master target the re-protect would use (as the pre-flight chooses it); None if none.

    Reads ASR (the item, its fabric; blocking). An item ASR does not show: None (its pre-flight says so).

    Raises:
        ResolveUnavailableError: ASR did not answer (the route answers 503 + Retry-After).
    """
    if request.kind not in MASTER_TARGET_KINDS or request.dry_run:
        return None
    try:
        return _read(request)
    except FailbackError as err:
        if err.code in UNAVAILABLE:
            raise ResolveUnavailableError(err.message) from err
        return None


def _read(request: FailbackRequest) -> MasterTarget | None:
    vault = Vault(request.vault.to_dict(), get_settings())
    facts = vmware.vmware_facts(find_rpi(vault, request.item.to_dict()))
    custom, _ = read_fabric(vault, str(facts["fabric"]))
    inputs = vmware.choose_classic_inputs(facts, custom, dict(request.extra.get("vmware") or {}))
    servers = custom.get("masterTargetServers") or []
    chosen = next((m for m in servers if m.get("id") == inputs["masterTargetId"]), None)
    if chosen is None:
        return None  # the pre-flight says why (V3)
    own = int(facts.get("diskCount") or 0)
    return MasterTarget(str(chosen["id"]), int(chosen.get("diskCount") or 0), own)


def _stale(lock: Any, holder_started: bool) -> bool:
    """A lock is stale once its holder started (its claim is in its input) or gave up (grace passed)."""
    if holder_started:
        return True
    created = lock.created_time
    if created is None:
        return False
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    return datetime.now(UTC) - created >= PENDING_GRACE


async def hold(client: df.DurableOrchestrationClient, target: MasterTarget, holder: str) -> None:
    """Take the master target's lock for ``holder``, waiting while another claim holds it.

    Raises:
        TimeoutError: another claim held it longer than :data:`HOLD_SECONDS` (the route answers 503).
    """
    instance = lock_id(target.key)
    deadline = asyncio.get_running_loop().time() + HOLD_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        lock = await client.get_status(instance, show_input=True)
        if lock is None or lock.runtime_status not in LIVE:
            try:
                await client.start_new(LOCK_ORCHESTRATOR, instance, {"item": target.key, "holder": holder})
                return
            except Exception:  # a concurrent claim started it a moment ago: wait for it
                await asyncio.sleep(0.05)
                continue
        other = str(json_object(lock.input_).get("holder") or "")
        if other == holder:
            return
        status = await client.get_status(other) if other else None
        if _stale(lock, status is not None and status.runtime_status is not None):
            log.info("lock of %s: holder %s done, taken over", target.key, other)
            with contextlib.suppress(Exception):  # another claim terminated it first
                await client.terminate(instance, "stale: its holder started or gave up")
        await asyncio.sleep(0.05)
    raise TimeoutError(f"master target {target.id} stayed locked by another claim")


async def release(client: df.DurableOrchestrationClient, target: MasterTarget, holder: str) -> None:
    """Give the master target's lock back (the run started, or the claim ended without starting)."""
    await release_lock(client, [target.key], holder)
