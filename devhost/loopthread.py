"""One process-wide asyncio loop in a daemon thread that serves every in-process host.

The Durable SDK keeps a module-global aiohttp session bound to the loop it was created on,
and the Python worker runs all async user code on one loop; sharing one loop per process
keeps both true when several hosts run in one test process.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def shared_loop() -> asyncio.AbstractEventLoop:
    """The process-wide loop, started on first use."""
    global _loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="devhost-loop", daemon=True).start()
            ready.wait()
            _loop = loop
        return _loop


def run_sync(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run a coroutine on the shared loop from another thread and return its result."""
    return asyncio.run_coroutine_threadsafe(coro, shared_loop()).result(timeout)
