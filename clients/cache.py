"""A process-wide, thread-safe cache of SDK clients keyed by what configures them.

SDK clients own a connection pool: building one per call would open new TLS
connections every time, so each factory keeps one client per configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar


class Closable(Protocol):
    """What the cache needs from a client: a way to release its connections."""

    def close(self) -> None:
        """Release the client's connections."""


ClientT = TypeVar("ClientT", bound=Closable)


class ClientCache(Generic[ClientT]):
    """One client per key, built on first use and shared by every caller of the process."""

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._clients: dict[Hashable, ClientT] = {}

    def get(self, key: Hashable, build: Callable[[], ClientT]) -> ClientT:
        """Return the client of ``key``, building it with ``build`` the first time.

        Args:
            key: everything that configures the client (endpoint, credential, ...).
            build: makes the client; called under the lock so two threads never build twice.

        Returns:
            The shared client.
        """
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = build()
            return client

    def clear(self) -> None:
        """Close and forget every client (tests that switch simulators)."""
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
