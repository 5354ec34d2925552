"""A wave's job reads: one vault-level job scan per grid point serves every waiting VM (``get_job_shared``).

``get_job_shared`` ``{vault, jobId, tick, phase, item, since, startedAfter}`` → ``JobSnapshot``: one
:class:`JobScan` per tick (``activities.tick_cache``) — ``replication_jobs.list`` with no ``$filter``
(nothing a strict service could refuse, G7), newest first, paged only down to the jobs waited on —
serves running, suspended and finished jobs alike; a failed job, or one the scan does not show, is
read with ``get``. A job id that names no job (G4: a write's LRO id) is found as the newest job of
the phase's kind on the item; a switchover job that ended ``Succeeded`` right after its resume is
followed into the job the work went on in (G3).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from activities.asr_common import Vault, arm_errors, job_targets, now_of
from activities.shared_items import all_items, listed_item
from activities.tick_cache import cached, payload_tick, vault_key
from clients.settings import Settings
from domain.contracts import JobSnapshot
from domain.errors import FailbackError
from domain.items import item_facts, job_name_from_id, parse_time
from domain.jobs import job_snapshot

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

    return cached((vault_key(vault), "scan", tick), load)


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
    tick = payload_tick(payload, settings)
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
