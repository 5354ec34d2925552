"""In-process fixture: ``DevHost`` serves an app on a free port in a background thread.

See ``docs/contracts.md`` §2. All hosts of a process share one event loop thread (see
``devhost.loopthread``); the app module is imported once per process and app directory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from devhost.clock import Clock, RealClock, VirtualClock
from devhost.loopthread import run_sync
from devhost.server import HostRuntime

T = TypeVar("T")


class Stuck(Exception):  # noqa: N818 - the name is part of the contract (contracts.md §2)
    """``drive`` found the host idle, no durable timer left and ``until()`` still false."""


class DevHost:
    """A running local Functions + Durable host for tests and scripts."""

    def __init__(
        self,
        app_dir: str | Path,
        *,
        clock: Clock | None = None,
        port: int = 0,
        env: dict[str, str] | None = None,
        state_dir: str | Path | None = None,
    ) -> None:
        self.clock: Clock = clock or RealClock()
        self.runtime = HostRuntime(
            Path(app_dir),
            clock=self.clock,
            port=port,
            state_dir=Path(state_dir) if state_dir else None,
            env=env,
        )
        self._started = False

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> DevHost:
        """Apply the environment, load the app and start serving."""
        self.runtime.apply_env()
        try:
            self.runtime.load()
            run_sync(self.runtime.start(), timeout=60)
        except BaseException:
            self.runtime.restore_env()
            raise
        self._started = True
        return self

    def stop(self) -> None:
        """Stop serving and restore the environment."""
        if self._started:
            self._started = False
            try:
                run_sync(self.runtime.stop(), timeout=60)
            finally:
                self.runtime.restore_env()

    def __enter__(self) -> DevHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests use --------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self.runtime.origin

    @property
    def port(self) -> int:
        """The bound port."""
        return self.runtime.port

    @property
    def function_key(self) -> str:
        """The default function key."""
        return self.runtime.keys.function_key

    @property
    def master_key(self) -> str:
        """The master (admin) key."""
        return self.runtime.keys.master_key

    @property
    def state_dir(self) -> Path:
        """Where the SQLite store and keys live."""
        return self.runtime.state_dir

    def client_binding(self) -> str:
        """The durableClient binding JSON for ``df.DurableOrchestrationClient(binding)``."""
        return self.runtime.binding_for()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = 60) -> T:
        """Run a coroutine on the host's loop (where the SDK's shared aiohttp session lives)."""
        return run_sync(coro, timeout)

    def is_idle(self) -> bool:
        """No episode, activity or HTTP request running and nothing runnable now."""

        async def check() -> bool:
            return self.runtime.engine.is_idle()

        return run_sync(check(), 30)

    def drive(
        self,
        until: Callable[[], bool],
        max_virtual: timedelta = timedelta(days=30),
        timeout: float = 60,
    ) -> None:
        """Run until ``until()`` holds, jumping a VirtualClock to the next timer when idle."""
        deadline = time.monotonic() + timeout
        start = self.clock.now()
        while True:
            self._wait_idle(deadline)
            if until():
                return
            if not isinstance(self.clock, VirtualClock):
                if time.monotonic() > deadline:
                    raise TimeoutError("drive: timeout (real seconds) passed")
                time.sleep(0.02)
                continue
            nxt = self.next_timer()
            if nxt is None:
                raise Stuck("host is idle, no durable timer is pending and until() is false")
            if nxt - start > max_virtual:
                raise TimeoutError(f"drive: next timer at {nxt.isoformat()} is beyond max_virtual")
            self.clock.advance_to(nxt)
            self._poke()

    def next_timer(self) -> datetime | None:
        """When the next durable timer fires (None if no timer is pending)."""

        async def get() -> datetime | None:
            return self.runtime.engine.next_timer()

        return run_sync(get(), 30)

    def _poke(self) -> None:
        async def poke() -> None:
            self.runtime.engine.poke()

        run_sync(poke(), 30)

    def _wait_idle(self, deadline: float) -> None:
        streak = 0
        while streak < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("drive: timeout (real seconds) passed while the host was busy")
            if self.is_idle():
                streak += 1
            else:
                streak = 0
                time.sleep(0.002)


__all__ = ["DevHost", "Stuck"]
