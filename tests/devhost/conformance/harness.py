"""Drive a conformance app in-process: the unmodified Durable client plus plain HTTP.

``Harness`` wraps one ``devhost.testing.DevHost`` running on a ``VirtualClock``. The
Durable client is ``df.DurableOrchestrationClient`` built from ``host.client_binding()``
exactly as the Functions worker builds it; plain HTTP goes through ``requests``.
"""

import asyncio
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import azure.durable_functions as df
import requests
from azure.durable_functions.models.utils import http_utils

APPS = Path(__file__).resolve().parents[2] / "devhost_apps"
WEBHOOK = "/runtime/webhooks/durabletask"
TERMINAL = frozenset({"Completed", "Failed", "Terminated", "Canceled"})

T = TypeVar("T")


class Harness:
    """One running app: its host, its clock, the Durable client and an HTTP session."""

    def __init__(self, host: Any, clock: Any, log_dir: Path) -> None:
        self.host = host
        self.clock = clock
        self.log_dir = log_dir
        binding = host.client_binding()
        self.binding: str = binding if isinstance(binding, str) else json.dumps(binding)
        self.client = df.DurableOrchestrationClient(self.binding)
        self.http = requests.Session()
        self._loop = asyncio.new_event_loop()

    def close(self) -> None:
        """Close our event loop and the HTTP session."""
        self._loop.close()
        self.http.close()

    # --- Durable client -------------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one client coroutine to completion (the client is async only).

        The SDK keeps one module-wide aiohttp session bound to the loop that created it,
        and HTTP-triggered client functions in the app use it too; so client calls run on
        the host's own loop when the host offers one (``DevHost.call``), as in the worker.
        """
        if hasattr(self.host, "call"):
            return self.host.call(coro)
        try:
            return self._loop.run_until_complete(coro)
        finally:
            self._loop.run_until_complete(http_utils._close_session())

    def start(self, name: str, input_: Any = None, instance_id: str | None = None) -> str:
        """Start an orchestration through ``client.start_new``."""
        return self.run(self.client.start_new(name, instance_id, input_))

    # --- plain HTTP -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Origin of the host, e.g. ``http://127.0.0.1:PORT``."""
        return str(self.host.base_url).rstrip("/")

    def webhook_url(self, path: str) -> str:
        """Absolute URL of a public Durable webhook route."""
        return f"{self.base_url}{WEBHOOK}/{path.lstrip('/')}"

    def status_response(self, instance_id: str, **params: Any) -> requests.Response:
        """``GET /runtime/webhooks/durabletask/instances/{id}`` with query flags."""
        query = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in params.items()}
        return self.http.get(self.webhook_url(f"instances/{instance_id}"), params=query, timeout=30)

    def runtime_status(self, instance_id: str) -> str | None:
        """Current runtimeStatus, or None for an unknown instance."""
        response = self.status_response(instance_id, showInput=False)
        return None if response.status_code == 404 else response.json()["runtimeStatus"]

    def history(self, instance_id: str, output: bool = True) -> list[dict]:
        """The public ``historyEvents`` of an instance."""
        body = self.status_response(instance_id, showHistory=True, showHistoryOutput=output).json()
        return body["historyEvents"]

    def raise_event_http(self, instance_id: str, name: str, body: Any) -> requests.Response:
        """POST a raw JSON body to the instance's sendEventPostUri route."""
        url = self.webhook_url(f"instances/{instance_id}/raiseEvent/{name}")
        return self.http.post(url, json=body, timeout=30)

    # --- time -----------------------------------------------------------------------------

    def drive_until(self, predicate: Callable[[], bool], **kwargs: Any) -> None:
        """Let the host run (jumping virtual time to each timer) until ``predicate`` holds."""
        kwargs.setdefault("timeout", 60)
        self.host.drive(until=predicate, **kwargs)

    def drive_until_status(self, instance_id: str, statuses: frozenset[str] | set[str] = TERMINAL) -> str:
        """Drive until the instance reaches one of ``statuses``; return that status."""
        self.drive_until(lambda: self.runtime_status(instance_id) in statuses)
        status = self.runtime_status(instance_id)
        assert status is not None
        return status

    def settle(self) -> None:
        """Run everything that can run now without moving virtual time."""
        self.drive_until(lambda: True)

    # --- side effects written by the apps --------------------------------------------------

    def lines(self, file_name: str) -> list[str]:
        """Lines an app appended to ``CONFORMANCE_LOG_DIR/file_name`` (empty if none)."""
        path = self.log_dir / file_name
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def history_types(events: list[dict]) -> list[str]:
    """The EventType names of public history events, in order."""
    return [str(e["EventType"]) for e in events]
