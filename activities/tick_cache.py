"""The worker's cache of vault-level reads per grid point (tick) of the shared polling grid.

Waves of hundreds of VMs would otherwise GET every job and item on every poll and hit ARM's read
limit (12,000 reads/hour per principal). The waiting sub-orchestrations poll on a common grid
(every :data:`TICK_SECONDS` of orchestration time, ``orchestrators.job_wait`` with ``shared``),
and every vault-level read of a tick is loaded once per worker process through :func:`cached`.
Its users: ``activities.shared_jobs``, ``activities.shared_items``, ``activities.write_reads``,
``activities.shared_preflight``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from activities.asr_common import Vault, now_of
from clients.settings import Settings
from domain.poll_plan import SHARED_TICK_SECONDS, shared_tick_at

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


def cached(key: tuple[str, ...], load: Callable[[], T]) -> T:
    """The value of ``key`` in the worker's :data:`CACHE`, loaded once."""
    # CACHE is looked up on each call, so a test can give the worker a fresh cache
    return CACHE.get(key, load)


def tick_of(moment: datetime) -> str:
    """The grid point at or before ``moment`` (ISO), the cache's time key."""
    return shared_tick_at(moment)


def payload_tick(payload: Mapping[str, Any], settings: Settings | None) -> str:
    """The grid point an activity's payload names (``tick``), else the one at its time."""
    given = payload.get("tick")
    if given:
        return str(given)
    return tick_of(now_of(payload, settings))


def vault_key(vault: Vault) -> str:
    """The cache's key of a vault."""
    # The endpoint too: local runs start several simulated worlds with the same names in one process.
    base = str(getattr(getattr(vault.client, "_config", None), "base_url", "") or "")
    return f"{base}|{vault.subscription_id}/{vault.resource_group}/{vault.name}".lower()
