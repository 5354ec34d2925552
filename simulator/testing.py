"""In-process simulator for tests: ``SimulatorServer`` (context manager) and ``ControlClient``.

Example::

    with SimulatorServer(scenario="default", clock=ManualClock()) as sim:
        client = sim.mgmt_client()
        sim.control.advance(600)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from simulator.app import SimulatorApp
from simulator.clock import Clock
from simulator.models.world import World
from simulator.server import SimulatorHttpServer

TOKEN = "local-simulator-token"


class StaticToken:
    """A credential that returns the same bearer token for any scope (like the app's LocalCredential)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """Return an ``AccessToken`` valid for an hour."""
        import time

        from azure.core.credentials import AccessToken

        return AccessToken(TOKEN, int(time.time()) + 3600)


class ControlClient:
    """A small client of ``/_sim/``."""

    def __init__(self, base_url: str, ca_bundle: str) -> None:
        self.base_url = base_url
        self.ca_bundle = ca_bundle
        self.session = requests.Session()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.session.request(
            method, f"{self.base_url}/_sim/{path}", json=body, timeout=30, verify=self.ca_bundle
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{method} /_sim/{path}: {response.status_code} {response.text}")
        return response.json()

    def reset(self, scenario: str = "default", profile: str | None = None) -> Any:
        """Seed a fresh world (under ``profile`` when given; the profile stays for later resets)."""
        body = {"scenario": scenario} if profile is None else {"scenario": scenario, "profile": profile}
        return self._call("POST", "reset", body)

    def seed(self, scenario: str = "default") -> Any:
        """Same as ``reset`` (the contracts call it seeding)."""
        return self.reset(scenario)

    def faults(self, **spec: Any) -> Any:
        """Inject a fault when ``spec`` is given (like ``fault``), else list the faults in force."""
        return self._call("POST", "faults", spec) if spec else self._call("GET", "faults")

    def scenarios(self) -> Any:
        """Named scenarios."""
        return self._call("GET", "scenarios")

    def state(self) -> Any:
        """The whole world."""
        return self._call("GET", "state")

    def advance(self, seconds: float) -> Any:
        """Jump simulated time forward."""
        return self._call("POST", "time", {"advance_seconds": seconds})

    def scale(self, scale: float) -> Any:
        """Change the speed of a scaled clock."""
        return self._call("POST", "time", {"scale": scale})

    def fault(self, **spec: Any) -> Any:
        """Inject a fault (``kind=...`` and its fields)."""
        return self._call("POST", "faults", spec)

    def clear_faults(self) -> Any:
        """Remove every fault."""
        return self._call("DELETE", "faults")

    def logs(self, **spec: Any) -> Any:
        """Register a Log Analytics answer."""
        return self._call("POST", "logs", spec)

    def requests(self) -> Any:
        """Request counts."""
        return self._call("GET", "requests")

    def invariants(self) -> list[dict[str, Any]]:
        """Invariant violations."""
        return list(self._call("GET", "invariants")["violations"])

    def host(self, name: str, connected: bool) -> Any:
        """Connect or disconnect an on-prem host now."""
        return self._call("POST", f"hosts/{name}", {"connected": connected})

    def vm(self, name: str, **states: str) -> Any:
        """Power a VM copy on or off (``azure=...``, ``onprem=...``)."""
        return self._call("POST", f"vms/{name}", states)

    def settings(self, **values: Any) -> Any:
        """Change page size, Retry-After values or rates."""
        return self._call("POST", "settings", values)


class SimulatorServer:
    """The simulator served over HTTPS in a background thread.

    Args:
        scenario: scenario to seed.
        clock: simulated time source (default: real time).
        port: TCP port (0 picks a free one).
        state_dir: where ``ca.pem`` goes (default: a fresh temporary directory).
        page_size: list page size.
        profile: the variant of each unrecorded behaviour (``simulator.profiles``).
    """

    def __init__(
        self,
        scenario: str = "default",
        clock: Clock | None = None,
        port: int = 0,
        state_dir: str | Path | None = None,
        page_size: int = 50,
        profile: str | None = None,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="asr-sim-")
            state_dir = self._tmp.name
        self.app = SimulatorApp(scenario=scenario, clock=clock, page_size=page_size, profile=profile)
        self.http = SimulatorHttpServer(self.app, port, Path(state_dir))
        self.info: dict[str, str] = self.http.info()
        self.control = ControlClient(self.http.base_url, self.info["ca_bundle"])

    @property
    def world(self) -> World:
        """The current world (direct model access for assertions; take ``world.lock`` to be safe)."""
        return self.app.world

    @contextmanager
    def locked(self) -> Iterator[World]:
        """The current world, locked and brought up to the clock's now (jobs progressed)."""
        world = self.app.world
        with world.lock:
            world.tick()
            yield world

    def app_settings(self) -> dict[str, str]:
        """App settings that point the failback app at this simulator (contracts §2)."""
        return {
            "FAILBACK_CREDENTIAL": "local",
            "FAILBACK_ARM_ENDPOINT": self.info["arm_endpoint"],
            "FAILBACK_LOGS_ENDPOINT": self.info["logs_endpoint"],
            "FAILBACK_CA_BUNDLE": self.info["ca_bundle"],
            "FAILBACK_LOCAL_MODE": "true",
        }

    def mgmt_client(self, **kwargs: Any) -> Any:
        """A real ``SiteRecoveryManagementClient`` pointed at the simulator."""
        from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient

        kwargs.setdefault("polling_interval", 0.05)
        return SiteRecoveryManagementClient(
            StaticToken(),
            self.info["subscription_id"],
            base_url=self.info["arm_endpoint"],
            connection_verify=self.info["ca_bundle"],
            **kwargs,
        )

    def logs_client(self, **kwargs: Any) -> Any:
        """A real ``LogsQueryClient`` pointed at the simulator."""
        from azure.monitor.query import LogsQueryClient

        return LogsQueryClient(
            StaticToken(),
            endpoint=self.info["logs_endpoint"],
            audience="https://api.loganalytics.io",
            connection_verify=self.info["ca_bundle"],
            **kwargs,
        )

    def start(self) -> SimulatorServer:
        """Start serving."""
        self.http.start()
        return self

    def stop(self) -> None:
        """Stop serving and remove the temporary directory."""
        self.http.stop()
        self.control.session.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
