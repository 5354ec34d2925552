"""One run per item, atomically (issue 12, part 1): resolve the item in ASR, then claim its run.

``POST /api/failbacks`` (and the alert route through ``start_run``) call :func:`claim_run`:

1. **Resolve** what the request names to its canonical ARM id (``domain.run_names``), reading ASR
   through the app's own Site Recovery client: an item by friendly name or ASR name, a recovery
   plan (and its members), or each member of a waves request. A request naming nothing ASR knows
   is keyed on what it names: its run ends at pre-flight with the reason, changing nothing. ASR
   unreachable: :class:`ResolveUnavailableError` (the route answers 503 + ``Retry-After``).
2. **Find a holder**: a live run of the same vault — by full vault id, never by name — that claims
   the item (a waves run or a plan run claims each member; a run started before run ids were
   canonical is matched by the item's names).
3. **Claim**: the instance id is ``<base>-g<generation>``; if the newest generation is live it is
   the item's run, otherwise the next generation is started. The Durable host refuses to start an
   instance id that is running, so of concurrent requests exactly one starts it; the others read it
   back as the existing run. A dry run gets an id of its own and never holds the item.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Rs
from azure.durable_functions.models.RpcManagementOptions import RpcManagementOptions

from activities.asr_common import Vault, arm_errors
from activities.items import find_rpi
from clients.settings import Settings, get_settings
from domain import run_names as ids
from domain.contracts import RunClaims, RunInput
from domain.errors import FailbackError
from domain.items import item_facts
from domain.request import FailbackRequest
from function_app.item_locks import release as release_items
from function_app.item_locks import take as take_items
from function_app.json_body import json_object
from function_app.run_lookup import custom_status
from function_app.status_pages import RUN_PREFIX, is_run

log = logging.getLogger(__name__)

#: Codes of a resolution that failed because ASR could not answer (retry later), not because of the request.
UNAVAILABLE = ("ARM_UNAVAILABLE", "ARM_THROTTLED", "ARM_ERROR")
#: A run that holds its item: not ended (a suspended run still holds it).
LIVE = (Rs.Running, Rs.Pending, Rs.ContinuedAsNew, Rs.Suspended)
#: How many times a claim re-reads the generations after losing a race to an ended run's successor.
CLAIM_ATTEMPTS = 5
CLAIMS_KEY = "claims"


class ResolveUnavailableError(Exception):
    """ASR could not be read to resolve the item: nothing was started; retry later."""


class ItemHeldError(Exception):
    """A member of a waves or plan request is being failed back by another run."""

    def __init__(self, run_id: str, member: str) -> None:
        super().__init__(f"{member} is being failed back by run {run_id}")
        self.run_id = run_id
        self.member = member


@dataclass(frozen=True)
class Resolved:
    """What a request names, canonically.

    Attributes:
        key: the canonical ARM id the run is keyed on.
        label: the name people know it by (the VM's friendly name as ASR gives it).
        items: canonical ids of every protected item the run will drive (itself, or the members).
        names: ``{lowercase name: canonical id}`` of those items (to match runs of the old id format).
    """

    key: str
    label: str
    items: tuple[str, ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)


def _item_names(facts: Mapping[str, Any], canonical: str) -> dict[str, str]:
    return {str(facts[k]).lower(): canonical for k in ("name", "friendlyName") if facts.get(k)}


def _resolve_item(vault: Vault, request: FailbackRequest) -> Resolved:
    facts = item_facts(find_rpi(vault, request.item.to_dict()))
    key = ids.item_id(
        request.vault.to_dict(), str(facts["fabric"]), str(facts["container"]), str(facts["name"])
    )
    return Resolved(key, str(facts["friendlyName"] or facts["name"]), (key,), _item_names(facts, key))


def _resolve_plan(vault: Vault, request: FailbackRequest) -> Resolved:
    name = str(request.extra.get("recoveryPlan") or request.item.label)
    with arm_errors(f"get recovery plan {name}", not_found="PLAN_NOT_FOUND"):
        plan = dict(vault.client.replication_recovery_plans.get(*vault.args, name).as_dict())
    members = tuple(
        str(m.get("id") or "").lower()
        for g in (plan.get("properties") or {}).get("groups") or []
        for m in g.get("replicationProtectedItems") or []
        if m.get("id")
    )
    return Resolved(ids.plan_id(request.vault.to_dict(), str(plan.get("name") or name)), name, members)


def _resolve_waves(vault: Vault, request: FailbackRequest) -> Resolved:
    with arm_errors(f"list items of vault {vault.name}", not_found="VAULT_NOT_FOUND"):
        listed = [dict(m.as_dict()) for m in vault.client.replication_protected_items.list(*vault.args)]
    vault_dict = request.vault.to_dict()
    names: dict[str, str] = {}
    for rpi in listed:
        facts = item_facts(rpi)
        canonical = ids.item_id(vault_dict, str(facts["fabric"]), str(facts["container"]), str(facts["name"]))
        names.update(_item_names(facts, canonical))
    wanted = [
        str(entry.get("name") or entry.get("friendlyName") or "").lower()
        for wave in request.extra.get("waves") or []
        for entry in wave.get("items") or []
    ]
    members = tuple(names[w] for w in wanted if w in names)  # the others fail their own pre-flight
    label = request.item.label
    return Resolved(
        ids.waves_id(vault_dict, label), label, members, {w: names[w] for w in wanted if w in names}
    )


def resolve(request: FailbackRequest, settings: Settings | None = None) -> Resolved:
    """Resolve the request's item, plan or waves to canonical ids (reads ASR; blocking).

    Raises:
        ResolveUnavailableError: ASR did not answer (5xx, throttled, unreachable).
    """
    vault_dict = request.vault.to_dict()
    try:
        vault = Vault(vault_dict, settings or get_settings())
        if request.kind == "recovery-plan":
            return _resolve_plan(vault, request)
        if request.kind == "waves":
            return _resolve_waves(vault, request)
        return _resolve_item(vault, request)
    except FailbackError as err:
        if err.code in UNAVAILABLE:
            raise ResolveUnavailableError(err.message) from err
        # not found, ambiguous, no rights: the run's pre-flight says so and changes nothing
        log.info("item %s not resolved (%s): keyed on its name", request.item.label, err.code)
        label = request.item.label
        return Resolved(ids.unresolved_id(vault_dict, label), label)


# ------------------------------------------------------------------------ live runs and their claims


async def _live_runs(client: df.DurableOrchestrationClient) -> list[DurableOrchestrationStatus]:
    """Every live failback run with its input (one listing; the SDK's listing cannot ask for inputs)."""
    options = RpcManagementOptions(instance_id_prefix=RUN_PREFIX, runtime_status=list(LIVE), show_input=True)
    code, body = await client._get_async_request(options.to_url(client._orchestration_bindings.rpc_base_url))
    if code != 200:
        raise RuntimeError(f"listing the live runs answered {code}")
    statuses = [DurableOrchestrationStatus.from_json(o) for o in body or []]
    return [s for s in statuses if s.instance_id]  # runs, and the VMs' runs inside waves (``<run>:vm:<vm>``)


def _claimed(status: DurableOrchestrationStatus, vault_id: str, resolved: Resolved) -> str | None:
    """The canonical id of ours that this live run holds, if any (same vault, by its full id)."""
    run_input = json_object(status.input_)
    request = json_object(run_input.get("request"))
    try:
        if ids.vault_id(json_object(request.get("vault"))) != vault_id:
            return None
    except KeyError:
        return None
    claims = json_object(run_input.get(CLAIMS_KEY))
    if claims:
        held = {str(claims.get("key") or "")} | {str(i) for i in claims.get("items") or []}
        ours = [resolved.key, *resolved.items]
        return next((k for k in ours if k in held), None)
    # a run started before run ids were canonical: known by the names it resolved or was given
    known = set()
    for item in (custom_status(status).get("item"), request.get("item")):
        if isinstance(item, dict):
            known |= {str(item[k]).lower() for k in ("name", "friendlyName") if item.get(k)}
    return next((resolved.names[n] for n in sorted(known) if n in resolved.names), None)


def holder(
    runs: Iterable[DurableOrchestrationStatus], request: FailbackRequest, resolved: Resolved
) -> tuple[str, str] | None:
    """``(run id, canonical id)`` of the oldest live run of this vault holding what the request names."""
    vault_id = ids.vault_id(request.vault.to_dict())
    for status in sorted(runs, key=lambda s: str(s.created_time or "")):
        if not is_run(status.instance_id):  # a waves run holds its VMs through its own claims
            continue
        held = _claimed(status, vault_id, resolved)
        if held:
            return str(status.instance_id), held
    return None


def jobs_of(runs: Iterable[DurableOrchestrationStatus]) -> dict[str, str]:
    """``{jobId: runId}`` of live runs (pre-flight never adopts a job another run of ours drives)."""
    return {
        str(custom_status(s).get("jobId")): str(s.instance_id) for s in runs if custom_status(s).get("jobId")
    }


#: Phases in which a run's disks may not be attached to its master target yet (ASR counts them after).
RESERVING_PHASES = ("preflight", "sync")


def master_target_disks(runs: Iterable[DurableOrchestrationStatus], vault_id: str) -> dict[str, int]:
    """``{masterTargetId: disks}`` live VMware runs of this vault (waves' VMs too) are re-protecting (V3)."""
    disks: dict[str, int] = {}
    for status in runs:
        custom = custom_status(status)
        target = json_object(custom.get("masterTarget"))
        if not target.get("id") or custom.get("phase") not in RESERVING_PHASES:
            continue
        request = json_object(json_object(status.input_).get("request"))
        try:
            if ids.vault_id(json_object(request.get("vault"))) != vault_id:
                continue
        except KeyError:
            continue
        disks[str(target["id"])] = disks.get(str(target["id"]), 0) + int(target.get("disks") or 0)
    return disks


# ------------------------------------------------------------------------ the claim


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
    runs = await _live_runs(client)
    found = holder(runs, request, resolved)
    if found is not None:
        return _held_by(request, resolved, *found)
    claims: RunClaims = {"key": resolved.key, "items": list(resolved.items)}

    disks = master_target_disks(runs, ids.vault_id(request.vault.to_dict()))

    def run_input(instance_id: str) -> RunInput:
        made = make_input(instance_id, jobs_of(runs))
        if disks and isinstance(made.get("request"), dict):
            made["request"]["liveMasterTargetDisks"] = disks
        made["claims"] = claims  # CLAIMS_KEY
        return made

    if request.dry_run:  # a plan only: its own id, never holding the item
        instance_id = f"{base}-dry-{uuid.uuid4().hex[:8]}"
        await client.start_new(orchestrator, instance_id, run_input(instance_id))
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
        found = holder(await _live_runs(client), request, resolved)  # a run older than its lock
        if found is not None:
            await release_items(client, items, candidate)
            return _held_by(request, resolved, *found)
        if await _start_new(client, orchestrator, candidate, run_input(candidate)):
            return candidate, True
        return candidate, False
    raise RuntimeError(f"could not claim a run of {resolved.key}")
