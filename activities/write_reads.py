"""Read-before-write of a wave's writes from the grid point's vault-level lists.

A wave's ``start_failback``/``commit_failover``/``reverse_replicate`` (:func:`item_for_write`) and
``resume_job`` (:func:`job_for_write`): the run decides, waits for the next grid point
(``orchestrators.job_wait.shared_write``) and the write reads that point's item list or job scan —
read after the decision (every list of a point is read at or after it), and serving each item's
write once (a retry reads the item itself and adopts its own job, H1). The new job is not read
after the POST: the wait finds it in the next scan. A cancel always reads its job itself (H10:
lists carry no tasks). Every ASR write stays per item and idempotent.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from activities.asr_common import Vault
from activities.shared_items import all_items, listed_item
from activities.shared_jobs import job_scan
from activities.tick_cache import cached, vault_key
from domain.items import parse_time

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
    key = (vault_key(vault), "items-for-write", tick)
    items, served = cached(key, lambda: (all_items(vault, tick), set[str]()))
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
    key = (vault_key(vault), "jobs-for-write", tick)
    scan, served = cached(key, lambda: (job_scan(vault, tick), set[str]()))
    if not _first_serving(served, name.lower()):
        return None
    job = scan.find(name)
    if job is None or (job.get("properties") or {}).get("state") in ("Failed", "Cancelled", "Canceled"):
        return None
    return job
