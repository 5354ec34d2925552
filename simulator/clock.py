"""Clocks the simulator reads simulated time from.

Any object with ``now() -> datetime`` (timezone-aware UTC) works; the local host's
``devhost.clock.VirtualClock`` is passed in by end-to-end tests so both sides jump
together. These two cover standalone runs and the simulator's own tests.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the simulator needs from a clock."""

    def now(self) -> datetime:
        """Return the current simulated time (timezone-aware UTC)."""
        ...


class ScaledClock:
    """Real time, compressed: ``now = start + scale * elapsed + offset``.

    Args:
        scale: simulated seconds per real second.
        start: simulated time at creation (default: the real current time).
    """

    def __init__(self, scale: float = 1.0, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._scale = float(scale)
        self._base_sim = start or datetime.now(UTC)
        self._base_real = time.monotonic()

    @property
    def scale(self) -> float:
        """Simulated seconds per real second."""
        return self._scale

    def now(self) -> datetime:
        """Return the current simulated time."""
        with self._lock:
            return self._base_sim + timedelta(seconds=(time.monotonic() - self._base_real) * self._scale)

    def set_scale(self, scale: float) -> None:
        """Change the speed from now on, without a jump."""
        with self._lock:
            real = time.monotonic()
            self._base_sim += timedelta(seconds=(real - self._base_real) * self._scale)
            self._base_real = real
            self._scale = float(scale)

    def advance(self, delta: timedelta) -> None:
        """Jump forward by ``delta``."""
        with self._lock:
            self._base_sim += delta


class ManualClock:
    """A clock that only moves when told to (tests).

    Args:
        start: the initial simulated time.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        """Return the current simulated time."""
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> None:
        """Jump forward by ``delta``."""
        with self._lock:
            self._now += delta

    def advance_to(self, when: datetime) -> None:
        """Jump forward to ``when`` (never backwards)."""
        with self._lock:
            self._now = max(self._now, when)
