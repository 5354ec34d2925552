"""Vault-level reads shared by many waiting runs, so ARM reads do not grow with the VMs waiting.

Waves of hundreds of VMs would otherwise GET every job (and item) on every poll and hit
ARM's read limit (12,000 reads/hour per principal). Instead the waiting sub-orchestrations
poll on a common grid (every :data:`TICK_SECONDS` of orchestration time, see
``orchestrators.job_wait`` with ``shared``) and these activities serve each poll from ONE
vault-level read per tick, cached in the worker process:

- ``get_job_shared`` ``{vault, jobId, tick, phase, item, since, startedAfter}`` → ``JobSnapshot``:
  one :class:`JobScan` per tick — ``replication_jobs.list`` with no ``$filter`` (nothing a strict
  service could refuse, G7), newest first, paged only down to the jobs waited on — serves running,
  suspended and finished jobs alike; a failed job, or one the scan does not show, is read with
  ``get``. A job id that names no job (G4: a write's LRO id) is found as the newest job of the
  phase's kind on the item; a switchover job that ended ``Succeeded`` right after its resume is
  followed into the job the work went on in (G3).
- ``get_item_shared`` ``{vault, item, tick}`` → ``ItemFacts``: one
  ``replication_protected_items.list`` per tick.
- ``preflight_shared`` ``{vault, request, now}``: the Hyper-V pre-flight of
  ``activities.preflight`` with the vault's items, protectable items, plans and sites read
  once per tick for every VM of a wave.
- Read-before-write of a wave's ``start_failback``/``commit_failover``/``reverse_replicate``
  (:func:`item_for_write`) and ``resume_job`` (:func:`job_for_write`): the run decides, waits for
  the next grid point (``orchestrators.job_wait.shared_write``) and the write reads that point's
  item list or job scan — read after the decision (every list of a point is read at or after it),
  and serving each item's write once (a retry reads the item itself and adopts its own job, H1).
  The new job is not read after the POST: the wait finds it in the next scan. A cancel always
  reads its job itself (H10: lists carry no tasks).

Several workers (scale-out) each read once per tick: reads grow with instances, not VMs.
Every ASR write stays per item and idempotent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import azure.durable_functions as df

from activities.asr_common import Vault, arm_errors, job_targets, now_of
from activities.items import _matches
from activities.preflight import preflight_answer, read_site
from clients.settings import Settings
from domain.contracts import ItemFacts, JobSnapshot, PreflightResult
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


#: At most this many pages of one tick's job scan: a service that does not list newest first must not
#: cost its whole job history (a job not met by then is read with ``get``).
MAX_SCAN_PAGES = 40


class JobScan:
    """The vault's jobs as ``replication_jobs.list`` pages them (newest first), fetched only as far as needed.

    One scan per tick serves every caller of the tick: a caller looking for a job reads further
    pages only until the job is met (or, given its start time, until older jobs begin), so the
    cost is the pages down to the oldest job still waited on, whatever the number of VMs. No
    ``$filter`` is sent: running, suspended and finished jobs come from the same pages (G7: nothing
    a strict service could refuse; a service ignoring filters answers the same).
    """

    def __init__(self, pages: Iterator[Iterable[Any]]) -> None:
        self._pages = pages
        self._lock = threading.Lock()
        self.jobs: dict[str, dict[str, Any]] = {}
        self.pages = 0
        self.done = False
        self._oldest: datetime | None = None

    def _more(self) -> bool:
        if self.done or self.pages >= MAX_SCAN_PAGES:
            return False
        with arm_errors("list jobs", not_found="JOB_NOT_FOUND"):
            page = next(self._pages, None)
            if page is None:
                self.done = True
                return False
            for job in page:
                data = dict(job.as_dict())
                self.jobs.setdefault(str(data.get("name") or "").lower(), data)
                started = parse_time((data.get("properties") or {}).get("startTime"))
                if started is not None and (self._oldest is None or started < self._oldest):
                    self._oldest = started
        self.pages += 1
        return True

    def find(self, name: str, since: datetime | None = None) -> dict[str, Any] | None:
        """The job called ``name`` (wire dict without tasks), ``None`` if the scan does not show it.

        ``since``: the job's start time when known — the scan stops once it reaches older jobs.
        """
        key = name.lower()
        with self._lock:
            while key not in self.jobs:
                if since is not None and self._oldest is not None and self._oldest < since:
                    break
                if not self._more():
                    break
            return self.jobs.get(key)

    def seen(self) -> list[dict[str, Any]]:
        """The jobs read so far (newest first as the service listed them)."""
        with self._lock:
            return list(self.jobs.values())


def job_scan(vault: Vault, tick: str) -> JobScan:
    """This tick's :class:`JobScan` of the vault (one per tick for every caller)."""

    def load() -> JobScan:
        return JobScan(iter(vault.client.replication_jobs.list(*vault.args).by_page()))

    return CACHE.get((_vault_key(vault), "scan", tick), load)


def _successor(
    vault: Vault, payload: Mapping[str, Any], tick: str, job: Mapping[str, Any], scan: JobScan
) -> dict[str, Any] | None:
    """G3: the job the work went on in after ``job`` was resumed, if it did not go on in ``job`` itself.

    The item's ``currentScenario`` (this tick's item list) names it; failing that, a newer job of the
    same scenario on the same target among the scanned jobs.
    """
    props = job.get("properties") or {}
    scenario = str(props.get("scenarioName") or "")
    name = str(job.get("name") or "").lower()
    ref = payload.get("item")
    rpi = listed_item(all_items(vault, tick), ref) if ref else None
    current: Mapping[str, Any] = (item_facts(rpi).get("currentScenario") or {}) if rpi else {}
    other_id = str(current.get("jobId") or "")
    if other_id and other_id.lower() != name and str(current.get("scenarioName") or "") == scenario:
        return scan.find(other_id) or read_job(vault, other_id)
    started = parse_time(props.get("startTime"))
    for other in scan.seen():
        oprops = other.get("properties") or {}
        ostarted = parse_time(oprops.get("startTime"))
        if (
            str(other.get("name") or "").lower() != name
            and str(oprops.get("scenarioName") or "") == scenario
            and job_targets(
                other, [str(props.get("targetObjectId") or "")], [str(props.get("targetObjectName") or "")]
            )
            and started is not None
            and ostarted is not None
            and ostarted > started
        ):
            return other
    return None


def read_job(vault: Vault, name: str) -> dict[str, Any]:
    """GET one job (wire dict, with its tasks and errors)."""
    with arm_errors(f"get job {name}", not_found="JOB_NOT_FOUND"):
        return dict(vault.client.replication_jobs.get(*vault.args, name).as_dict())


def _started_on_item(
    vault: Vault, payload: Mapping[str, Any], tick: str, scan: JobScan
) -> dict[str, Any] | None:
    """G4: the job a write started when its LRO id names no job — the newest of the phase's kind on the item.

    The item's ``currentScenario`` when it runs one of that kind, else the newest such job on the item
    started since shortly before the wait began (never an older one, e.g. an earlier cycle's commit).
    """
    ref = payload.get("item")
    scenario = SCENARIOS.get(str(payload.get("phase") or ""))
    since = parse_time(payload.get("startedAfter"))
    rpi = listed_item(all_items(vault, tick), ref) if ref and scenario and since else None
    if rpi is None or scenario is None or since is None:
        return None
    facts = item_facts(rpi)
    current: Mapping[str, Any] = facts.get("currentScenario") or {}
    if current.get("jobId") and scenario(str(current.get("scenarioName") or "")):
        return scan.find(str(current["jobId"])) or read_job(vault, str(current["jobId"]))
    scan.find("", since)  # every job started since then
    ours = [
        (started, job)
        for job in scan.seen()
        if (started := parse_time((job.get("properties") or {}).get("startTime"))) is not None
        and started >= since
        and scenario(str((job.get("properties") or {}).get("scenarioName") or ""))
        and job_targets(job, [str(facts.get("vmId") or "")], [str(facts.get("friendlyName") or "")])
    ]
    return max(ours, key=lambda pair: pair[0])[1] if ours else None


#: The scenario of the job a phase's write starts (for :func:`_started_on_item`).
SCENARIOS: dict[str, Callable[[str], bool]] = {
    "sync": lambda s: s == "PlannedFailover",
    "switchover": lambda s: s == "PlannedFailover",
    "commit": lambda s: "commit" in s.lower(),
    "reprotect": lambda s: "reprotect" in s.lower(),
}


def shared_job(payload: Mapping[str, Any], settings: Settings | None = None) -> JobSnapshot:
    """``get_job_shared``: the job from this tick's job scan, else (or failed) one ``get``.

    A job that ended ``Succeeded`` after a resume is followed into the job the work went on in (G3);
    a job id that names no job (G4: the write's LRO id) is found on the item it was started on.
    """
    vault = Vault(payload["vault"], settings)
    name = job_name_from_id(str(payload["jobId"]))
    tick = _tick(payload, settings)
    scan = job_scan(vault, tick)
    job = scan.find(name, parse_time(payload.get("since")))
    state = (job or {}).get("properties", {}).get("state")
    if job is not None and state == "Succeeded" and payload.get("phase") == "switchover":
        job = _successor(vault, payload, tick, job, scan) or job
        state = job.get("properties", {}).get("state")
    if job is None or state in ("Failed", "Cancelled", "Canceled"):
        # not met in the scan, or failed: the errors are in the job itself
        try:
            job = read_job(vault, str(job.get("name")) if job else name)
        except FailbackError as err:
            if err.code != "JOB_NOT_FOUND":
                raise
            found = _started_on_item(vault, payload, tick, scan)
            if found is None:
                raise
            job = found
            if job.get("properties", {}).get("state") in ("Failed", "Cancelled", "Canceled"):
                job = read_job(vault, str(job.get("name")))
    now = parse_time(payload.get("now")) or now_of(payload, settings)
    return job_snapshot(job, now)


def all_items(vault: Vault, tick: str) -> list[dict[str, Any]]:
    """Every protected item of the vault (wire dicts), one list per tick."""

    def load() -> list[dict[str, Any]]:
        with arm_errors(f"list items of vault {vault.name}", not_found="VAULT_NOT_FOUND"):
            return [dict(m.as_dict()) for m in vault.client.replication_protected_items.list(*vault.args)]

    return CACHE.get((_vault_key(vault), "items", tick), load)


def listed_item(items: Iterable[Mapping[str, Any]], ref: Mapping[str, Any]) -> dict[str, Any] | None:
    """The protected item ``ref`` (``{fabric, container, name}``) among listed items, if there."""
    selector = {"name": ref["name"], "fabric": ref.get("fabric"), "container": ref.get("container")}
    return next((dict(rpi) for rpi in items if _matches(rpi, selector)), None)


def shared_item(payload: Mapping[str, Any], settings: Settings | None = None) -> ItemFacts:
    """``get_item_shared``: the item's facts from this tick's vault-level item list."""
    vault = Vault(payload["vault"], settings)
    ref = payload["item"]
    rpi = listed_item(all_items(vault, _tick(payload, settings)), ref)
    if rpi is None:
        raise FailbackError("ITEM_NOT_FOUND", f"no protected item {ref.get('name')} in vault {vault.name}")
    return item_facts(rpi)


_SERVED_LOCK = threading.Lock()


def _fresh_tick(payload: Mapping[str, Any]) -> str | None:
    """The grid point whose lists may serve this write's read-before-write, if they are fresh enough.

    Freshness: every list of a grid point is read at or after it (its readers run once their timer
    reached it), so it was read after the run decided to write only if the decision came before.
    """
    tick, decided = payload.get("writeTick"), parse_time(payload.get("decidedAt"))
    at = parse_time(tick)
    if not tick or decided is None or at is None or not decided < at:
        return None
    return str(tick)


def _first_serving(served: set[str], key: str) -> bool:
    """Whether a list serves ``key``'s write for the first time (then marks it served)."""
    with _SERVED_LOCK:
        if key in served:
            return False
        served.add(key)
        return True


def item_for_write(vault: Vault, payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """Read-before-write of a wave's write from the grid point's item list, ``None`` to GET the item.

    Served only when the list is fresh (:func:`_fresh_tick`) and once per item and list: a second
    write on the item (a retry after a lost answer) reads the item itself and sees its own job.
    """
    tick = _fresh_tick(payload)
    ref = payload.get("item") or {}
    if tick is None or not ref.get("name"):
        return None
    # the list and the items it served live and leave the cache together (loaded first, evicted first)
    key = (_vault_key(vault), "items-for-write", tick)
    items, served = CACHE.get(key, lambda: (all_items(vault, tick), set[str]()))
    if not _first_serving(served, str(ref["name"]).lower()):
        return None
    return listed_item(items, ref)


def job_for_write(vault: Vault, payload: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """Read-before-write of a wave's ``resume_job`` from the grid point's job scan, ``None`` to GET it.

    The same freshness and once-per-job rule as :func:`item_for_write`. Only to decide whether to
    resume: a cancel always reads its job itself (H10: job lists carry no tasks).
    """
    tick = _fresh_tick(payload)
    if tick is None:
        return None
    key = (_vault_key(vault), "jobs-for-write", tick)
    scan, served = CACHE.get(key, lambda: (job_scan(vault, tick), set[str]()))
    if not _first_serving(served, name.lower()):
        return None
    job = scan.find(name)
    if job is None or (job.get("properties") or {}).get("state") in ("Failed", "Cancelled", "Canceled"):
        return None
    return job


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


def shared_preflight(payload: Mapping[str, Any], settings: Settings | None = None) -> PreflightResult:
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
    return dict(shared_job(payload))


@bp.activity_trigger(input_name="payload")
def get_item_shared(payload: dict) -> dict:
    """An item's facts from the vault-level item list of this tick."""
    return dict(shared_item(payload))


@bp.activity_trigger(input_name="payload")
def preflight_shared(payload: dict) -> dict:
    """Hyper-V pre-flight with vault-level reads shared by every VM of a wave."""
    return dict(shared_preflight(payload))
