"""Clocks the local host reads time from (real, scaled and virtual).

Every clock answers ``now()`` with a timezone-aware UTC datetime. Durable timers
fire when ``clock.now() >= fireAt``. ``real_seconds_until`` tells the scheduler
how long to sleep in real time before a given clock instant can be reached
(``None`` when time only moves when someone advances it).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class RealClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    def real_seconds_until(self, when: datetime) -> float | None:
        """Real seconds until ``when`` (may be negative)."""
        return (when - self.now()).total_seconds()


class ScaledClock:
    """Time that runs ``scale`` times faster than the wall clock, from now on."""

    def __init__(self, scale: float, start: datetime | None = None) -> None:
        if scale <= 0:
            raise ValueError("scale must be > 0")
        self.scale = scale
        self._start = start or datetime.now(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        """Return ``start + scale * elapsed``."""
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * self.scale)

    def real_seconds_until(self, when: datetime) -> float | None:
        """Real seconds until ``when`` given the scale."""
        return (when - self.now()).total_seconds() / self.scale


class VirtualClock:
    """Time that stands still until ``advance``/``advance_to`` moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("VirtualClock start must be timezone-aware")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the virtual time."""
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward by ``delta`` (never backward) and return the new time."""
        if delta < timedelta(0):
            raise ValueError("a VirtualClock cannot go backward")
        with self._lock:
            self._now += delta
            return self._now

    def advance_to(self, when: datetime) -> datetime:
        """Move time forward to ``when`` if it is later than now; return the new time."""
        with self._lock:
            if when > self._now:
                self._now = when.astimezone(UTC)
            return self._now

    def real_seconds_until(self, when: datetime) -> float | None:
        """Virtual time never passes by itself."""
        return None if when > self.now() else 0.0


Clock = RealClock | ScaledClock | VirtualClock
