"""Vault-level reads shared by many waiting runs, so ARM reads do not grow with the VMs waiting.

Waves of hundreds of VMs would otherwise GET every job (and item) on every poll and hit
ARM's read limit (12,000 reads/hour per principal). Instead the waiting sub-orchestrations
poll on a common grid (every :data:`TICK_SECONDS` of orchestration time, see
``orchestrators.job_wait`` with ``shared``) and these activities serve each poll from ONE
vault-level read per tick, cached in the worker process:

- ``get_job_shared`` ``{vault, jobId, tick}`` → ``JobSnapshot``: per tick, two
  ``replication_jobs.list`` (``JobStatusType eq 'InProgress'``, ``JobStatusType eq 'Suspended'``:
  only ``JobQueryParameter`` names, the grammar a strict service accepts, G7); a job in neither
  (not started yet, ended, cancelling) or failed is read with ``get`` — correct even if the
  service ignored a filter (then more pages).
- ``get_item_shared`` ``{vault, item, tick}`` → ``ItemFacts``: one
  ``replication_protected_items.list`` per tick.
- ``preflight_shared`` ``{vault, request, now}``: the Hyper-V pre-flight of
  ``activities.preflight`` with the vault's items, protectable items, plans and sites read
  once per tick for every VM of a wave.

Several workers (scale-out) each read once per tick: reads grow with instances, not VMs.
Only reads are shared; every ASR write stays per item and idempotent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import azure.durable_functions as df

from activities.asr_common import Vault, arm_errors, now_of
from activities.items import _matches
from activities.preflight import preflight_answer, read_site
from clients.settings import Settings
from domain.errors import FailbackError
from domain.items import item_facts, job_name_from_id, parse_time
from domain.jobs import job_snapshot
from domain.poll_plan import SHARED_TICK_SECONDS, shared_tick_at
from domain.request import FailbackRequest

bp = df.Blueprint()

#: The polling grid of shared waits (orchestration seconds), decided in ``domain.poll_plan``.
TICK_SECONDS = SHARED_TICK_SECONDS
_KEEP = 64  # cached entries (a few ticks x a few vaults)
T = TypeVar("T")


class TickCache:
    """Values per ``(vault, what, tick)``; one loader runs per key, concurrent callers wait for it."""

    def __init__(self) -> None:
        self._values: OrderedDict[tuple[str, ...], Any] = OrderedDict()
        self._locks: dict[tuple[str, ...], threading.Lock] = {}
        self._guard = threading.Lock()
        self.loads = 0

    def get(self, key: tuple[str, ...], load: Callable[[], T]) -> T:
        """The cached value of ``key``, loading it once."""
        with self._guard:
            if key in self._values:
                return self._values[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._values:
                    return self._values[key]
            value = load()
            with self._guard:
                self.loads += 1
                self._values[key] = value
                while len(self._values) > _KEEP:
                    old, _ = self._values.popitem(last=False)
                    self._locks.pop(old, None)
            return value


CACHE = TickCache()


def tick_of(moment: datetime) -> str:
    """The grid point at or before ``moment`` (ISO), the cache's time key."""
    return shared_tick_at(moment)


def _tick(payload: Mapping[str, Any], settings: Settings | None) -> str:
    given = payload.get("tick")
    if given:
        return str(given)
    return tick_of(now_of(payload, settings))


def _vault_key(vault: Vault) -> str:
    # The endpoint too: local runs start several simulated worlds with the same names in one process.
    base = str(getattr(getattr(vault.client, "_config", None), "base_url", "") or "")
    return f"{base}|{vault.subscription_id}/{vault.resource_group}/{vault.name}".lower()


def _previous_tick(tick: str) -> str:
    moment = parse_time(tick) or datetime.now(UTC)
    return tick_of(moment - timedelta(seconds=2 * TICK_SECONDS))


def recent_jobs(vault: Vault, tick: str) -> dict[str, dict[str, Any]]:
    """Jobs running or suspended, by name: two (paged) lists per tick (G7: recorded filter names only).

    One read set for every caller of the tick, whatever the number of VMs waiting.
    """

    def load() -> dict[str, dict[str, Any]]:
        filters = ("JobStatusType eq 'InProgress'", "JobStatusType eq 'Suspended'")
        out: dict[str, dict[str, Any]] = {}
        with arm_errors("list jobs", not_found="JOB_NOT_FOUND"):
            for query in filters:
                for job in vault.client.replication_jobs.list(*vault.args, filter=query):
                    out[str(job.name).lower()] = dict(job.as_dict())
        return out

    return CACHE.get((_vault_key(vault), "jobs", tick), load)


def shared_job(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """``get_job_shared``: the job from this tick's vault-level lists, else (or failed) one ``get``."""
    vault = Vault(payload["vault"], settings)
    name = job_name_from_id(str(payload["jobId"]))
    tick = _tick(payload, settings)
    job = recent_jobs(vault, tick).get(name.lower())
    state = (job or {}).get("properties", {}).get("state")
    if job is None or state in ("Failed", "Cancelled", "Canceled"):
        # not listed (not started yet, or the filter unsupported), or failed: the errors are in the job itself
        with arm_errors(f"get job {name}", not_found="JOB_NOT_FOUND"):
            job = dict(vault.client.replication_jobs.get(*vault.args, name).as_dict())
    now = parse_time(payload.get("now")) or now_of(payload, settings)
    return job_snapshot(job, now)


def all_items(vault: Vault, tick: str) -> list[dict[str, Any]]:
    """Every protected item of the vault (wire dicts), one list per tick."""

    def load() -> list[dict[str, Any]]:
        with arm_errors(f"list items of vault {vault.name}", not_found="VAULT_NOT_FOUND"):
            return [dict(m.as_dict()) for m in vault.client.replication_protected_items.list(*vault.args)]

    return CACHE.get((_vault_key(vault), "items", tick), load)


def shared_item(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """``get_item_shared``: the item's facts from this tick's vault-level item list."""
    vault = Vault(payload["vault"], settings)
    ref = payload["item"]
    for rpi in all_items(vault, _tick(payload, settings)):
        if _matches(
            rpi, {"name": ref["name"], "fabric": ref.get("fabric"), "container": ref.get("container")}
        ):
            return item_facts(rpi)
    raise FailbackError("ITEM_NOT_FOUND", f"no protected item {ref.get('name')} in vault {vault.name}")


def _protectable_names(vault: Vault, tick: str, fabric: str, container: str) -> set[str]:
    def load() -> set[str]:
        names: set[str] = set()
        with arm_errors("list protectable items"):
            for p in vault.client.replication_protectable_items.list_by_replication_protection_containers(
                *vault.args, fabric, container
            ):
                data = p.as_dict()
                names.add(str(data.get("name") or "").lower())
                names.add(str((data.get("properties") or {}).get("friendlyName") or "").lower())
        return names

    return CACHE.get((_vault_key(vault), "protectables", fabric.lower(), container.lower(), tick), load)


def _plans_by_item(vault: Vault, tick: str) -> dict[str, str]:
    def load() -> dict[str, str]:
        out: dict[str, str] = {}
        with arm_errors("list recovery plans"):
            for plan in vault.client.replication_recovery_plans.list(*vault.args):
                data = plan.as_dict()
                for group in (data.get("properties") or {}).get("groups") or []:
                    for member in group.get("replicationProtectedItems") or []:
                        out[str(member.get("id") or "").lower()] = str(data.get("name"))
        return out

    return CACHE.get((_vault_key(vault), "plans", tick), load)


def _site(vault: Vault, tick: str, fabric: str) -> dict[str, Any]:
    return CACHE.get((_vault_key(vault), "site", fabric.lower(), tick), lambda: read_site(vault, fabric))


def shared_preflight(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """``preflight_shared``: ``activities.preflight.check`` with vault-level reads shared per tick."""
    request = FailbackRequest.from_dict(payload["request"])
    vault = Vault(payload.get("vault") or request.vault.to_dict(), settings)
    tick = _tick(payload, settings)
    selector = request.item.to_dict()
    found = [r for r in all_items(vault, tick) if _matches(r, selector)]
    if len(found) != 1:
        code = "ITEM_NOT_FOUND" if not found else "AMBIGUOUS_ITEM"
        raise FailbackError(code, f"{len(found)} protected items match {request.item.label!r}")
    rpi = found[0]
    base = item_facts(rpi)
    props = rpi.get("properties") or {}
    protectable = str(props.get("protectableItemId") or "").rsplit("/", 1)[-1].lower()
    names = _protectable_names(vault, tick, str(base["fabric"]), str(base["container"]))
    present = protectable in names or str(base["friendlyName"] or "").lower() in names
    plan = _plans_by_item(vault, tick).get(str(rpi.get("id") or "").lower())
    facts = item_facts(rpi, on_prem_vm_present=present, recovery_plan=plan)
    site = _site(vault, tick, str(facts["fabric"]))
    return preflight_answer(payload, settings, request, facts, site, event="preflight_shared")


@bp.activity_trigger(input_name="payload")
def get_job_shared(payload: dict) -> dict:
    """A job's snapshot from the vault-level job list of this tick."""
    return shared_job(payload)


@bp.activity_trigger(input_name="payload")
def get_item_shared(payload: dict) -> dict:
    """An item's facts from the vault-level item list of this tick."""
    return shared_item(payload)


@bp.activity_trigger(input_name="payload")
def preflight_shared(payload: dict) -> dict:
    """Hyper-V pre-flight with vault-level reads shared by every VM of a wave."""
    return shared_preflight(payload)
