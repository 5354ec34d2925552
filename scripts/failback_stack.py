"""The whole local stack in one process: simulator + local host on one shared clock.

Used by ``make demo``, the end-to-end tests and ``bench/workflow.py``. Everything goes
through HTTP the way a user does it: ``POST /api/failbacks``, ``GET /api/failbacks/{id}``,
approval links from the local outbox and the approval page's form POST.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from clients import asr, logs
from clients.settings import get_settings
from devhost.clock import VirtualClock
from devhost.testing import DevHost
from simulator.testing import SimulatorServer

ROOT = Path(__file__).resolve().parents[1]
SIGNING_KEY = "local-demo-signing-key-not-a-secret-0123456789"
#: What the approval page asks the approver to attest when the run gives no checklist.
DEFAULT_ATTESTATIONS = ["owners-informed", "onprem-ready", "no-azure-only-changes"]
_ATTEST = re.compile(r'name="attest" value="([^"]+)"')
WORKSPACE_ID = "11111111-2222-3333-4444-555555555555"
VAULT = {
    "subscriptionId": "00000000-0000-0000-0000-000000000001",
    "resourceGroup": "rg-dr",
    "name": "vault-dr",
}


def sample_request(friendly_name: str = "web01", **overrides: Any) -> dict[str, Any]:
    """A failback request for a VM of the simulator's default scenario."""
    body: dict[str, Any] = {
        "vault": dict(VAULT),
        "item": {"friendlyName": friendly_name},
        "dataSync": "before-failover",
        "approval": {"approvers": ["ops-lead@contoso.example"], "timeoutHours": 8},
        "verification": {"workspaceId": WORKSPACE_ID, "computer": friendly_name, "windowMinutes": 30},
        "reverseReplication": True,
    }
    body.update(overrides)
    return body


class FailbackStack:
    """Simulator and local host sharing one ``VirtualClock``; real HTTP ports.

    Args:
        state_dir: where the host keeps its SQLite store (and the outbox).
        start: the virtual start time; near real time because approval links are also
            checked against the wall clock (contracts §8).
        scenario: the simulator scenario.
        profile: the simulator profile (``simulator.profiles``; default ``recorded``).
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        start: datetime | None = None,
        scenario: str = "default",
        profile: str | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.clock = VirtualClock(start=start or datetime.now(UTC).replace(microsecond=0))
        self.sim = SimulatorServer(scenario=scenario, clock=self.clock, profile=profile)
        self.host: DevHost | None = None
        self.http = requests.Session()

    # ------------------------------------------------------------------ lifecycle

    def env(self) -> dict[str, str]:
        """App settings: the simulator's endpoints plus local-mode approval settings."""
        return {
            **self.sim.app_settings(),
            "FAILBACK_LOCAL_MODE": "true",
            "FAILBACK_OUTBOX_PATH": str(self.state_dir / "outbox.sqlite"),
            "APPROVAL_SIGNING_KEY": SIGNING_KEY,
            "FAILBACK_PUBLIC_BASE_URL": "http://127.0.0.1",
        }

    def start_host(self) -> DevHost:
        """Start (or start again) the local host on the same state directory."""
        get_settings.cache_clear()
        asr.clear_cache()
        logs.clear_cache()
        self.host = DevHost(app_dir=ROOT, clock=self.clock, env=self.env(), state_dir=self.state_dir / "host")
        self.host.start()
        get_settings.cache_clear()
        return self.host

    def stop_host(self) -> None:
        """Stop the host as if its process ended (the store stays)."""
        if self.host is not None:
            self.host.stop()
            self.host = None

    def restart_host(self) -> DevHost:
        """Stop the host and start a new one on the same store (kill/restart)."""
        self.stop_host()
        return self.start_host()

    def __enter__(self) -> FailbackStack:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.sim.start()
        try:
            self.start_host()
        except BaseException:
            self.sim.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop_host()
        finally:
            self.sim.stop()
            self.http.close()
            get_settings.cache_clear()
            asr.clear_cache()
            logs.clear_cache()

    # ------------------------------------------------------------------ HTTP as a user

    @property
    def running(self) -> DevHost:
        """The running host."""
        assert self.host is not None, "host not running"
        return self.host

    def url(self, path: str) -> str:
        """Absolute URL on the host."""
        return self.running.base_url + path

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"x-functions-key": self.running.function_key, **(extra or {})}

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
        """POST JSON with the function key."""
        return self.http.post(self.url(path), json=body, headers=self._headers(headers), timeout=60)

    def get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        """GET with the function key."""
        return self.http.get(self.url(path), headers=self._headers(headers), timeout=60)

    def start_failback(self, body: dict[str, Any], initiator: str = "alice@contoso.example") -> str:
        """``POST /api/failbacks``; returns the run id."""
        response = self.post("/api/failbacks", body, {"x-ms-client-principal-name": initiator})
        if response.status_code not in (200, 202):
            raise AssertionError(f"start refused: {response.status_code} {response.text}")
        return str(response.json()["id"])

    def run(self, run_id: str) -> dict[str, Any]:
        """``GET /api/failbacks/{id}`` (JSON)."""
        response = self.get(f"/api/failbacks/{run_id}")
        response.raise_for_status()
        return dict(response.json())

    def finished(self, run_id: str) -> bool:
        """Whether the run has ended (any terminal runtime status)."""
        return self.run(run_id)["runtimeStatus"] in ("Completed", "Failed", "Terminated", "Canceled")

    def drive(self, until: Callable[[], bool], timeout: float = 60) -> None:
        """Let the host work, jumping the shared clock to the next durable timer when idle."""
        self.running.drive(until=until, max_virtual=timedelta(days=30), timeout=timeout)

    def drive_to(self, run_id: str, timeout: float = 60, **status: Any) -> dict[str, Any]:
        """Drive until the run's status matches every ``key=value`` (or it ends); return it."""
        seen: dict[str, Any] = {}

        def reached() -> bool:
            seen.clear()
            seen.update(self.run(run_id))
            ended = seen["runtimeStatus"] in ("Completed", "Failed", "Terminated", "Canceled")
            return ended or all(seen.get(k) == v for k, v in status.items())

        self.drive(reached, timeout=timeout)
        return dict(seen)

    def finish(self, run_id: str, timeout: float = 90) -> dict[str, Any]:
        """Drive until the run ends; return its report (fails if the orchestration failed)."""
        self.drive(lambda: self.finished(run_id), timeout=timeout)
        view = self.run(run_id)
        if view["runtimeStatus"] != "Completed":
            raise AssertionError(f"run {run_id} ended {view['runtimeStatus']}: {view.get('error')}")
        return dict(view["report"])

    # ------------------------------------------------------------------ the approver's path

    def approval_links(self, run_id: str, gate: str) -> list[str]:
        """Links of the newest approval request of ``gate`` in the local outbox."""
        response = self.get(f"/api/outbox?runId={run_id}")
        response.raise_for_status()
        messages = [
            m
            for m in response.json().get("messages", [])
            if m.get("gate") == gate and m.get("kind") == "approval-request"
        ]
        if not messages:
            return []
        return [self.running.base_url + link["path"] for link in messages[-1]["links"]]

    def decide(
        self, run_id: str, decision: str, gate: str = "switchover", comment: str = "ok"
    ) -> requests.Response:
        """Act like an approver: open the link (GET shows), then POST the page's form."""
        self.drive(lambda: bool(self.approval_links(run_id, gate)), timeout=30)
        link = self.approval_links(run_id, gate)[0]
        page = self.http.get(link, timeout=30)
        page.raise_for_status()
        form = {
            "token": link.rsplit("/", 1)[-1],
            "decision": {"approved": "approve", "rejected": "reject"}.get(decision, decision),
            "comment": comment,
            # Tick every item the page asks for, as the approver does (the run's checklist).
            "attest": _ATTEST.findall(page.text) or DEFAULT_ATTESTATIONS,
        }
        return self.http.post(link, data=form, timeout=30)

    # ------------------------------------------------------------------ the simulator's view

    def invariants(self) -> list[dict[str, Any]]:
        """Violations the simulator saw (both copies running, data loss, cancel during sync, ...)."""
        return list(self.sim.control.invariants())

    def writes(self) -> dict[str, int]:
        """ARM writes by kind (the simulator's request log); Log Analytics queries (POSTs) are not writes."""
        counts = self.sim.control.requests()
        kinds = counts.get("byKind", {}).items()
        return {k: v for k, v in kinds if not k.startswith("read") and not k.startswith("write logs.")}

    def requests_log(self) -> dict[str, Any]:
        """The simulator's request counters."""
        return dict(self.sim.control.requests())
