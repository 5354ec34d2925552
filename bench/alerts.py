"""Alert route latency on the local host + simulator: Fired (starts a run), duplicate, Resolved.

Prints p50/p95 in milliseconds; never asserts. Run: ``python -m bench.alerts [rounds]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from clients.settings import get_settings
from devhost.clock import VirtualClock
from devhost.testing import DevHost
from simulator.testing import SimulatorServer

ROOT = Path(__file__).resolve().parents[1]
VMS = ["web01", "app01", "db01"]


def request_for(vm: str) -> dict[str, object]:
    """A failback request for one VM of the default scenario."""
    return {
        "vault": {
            "subscriptionId": "00000000-0000-0000-0000-000000000001",
            "resourceGroup": "rg-dr",
            "name": "vault-dr",
        },
        "item": {"friendlyName": vm},
        "approval": {"approvers": ["lead@contoso.com"]},
        "verification": {"workspaceId": "11111111-2222-3333-4444-555555555555", "computer": vm},
    }


def alert(alert_id: str, condition: str) -> dict[str, object]:
    """A common-schema alert for rule ``site-up``."""
    essentials = {"alertId": alert_id, "alertRule": "site-up", "monitorCondition": condition}
    return {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {"essentials": essentials, "alertContext": {}},
    }


def pct(values: list[float], q: float) -> float:
    """The q-quantile in ms."""
    return (
        statistics.quantiles(values, n=100)[int(q * 100) - 1] * 1000 if len(values) > 1 else values[0] * 1000
    )


def main() -> None:
    """Post alerts and print latencies."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rules = [{"rule": "site-up", "request": request_for(vm)} for vm in VMS]
    timings: dict[str, list[float]] = {"fired (starts 3 runs)": [], "duplicate": [], "resolved": []}
    with tempfile.TemporaryDirectory() as tmp:
        clock = VirtualClock(start=datetime.now(UTC).replace(microsecond=0))
        with SimulatorServer(scenario="default", clock=clock, state_dir=Path(tmp) / "sim") as sim:
            env = {
                **sim.app_settings(),
                "ALERT_RULES": json.dumps(rules),
                "FAILBACK_OUTBOX_PATH": str(Path(tmp) / "outbox.sqlite"),
            }
            get_settings.cache_clear()
            with DevHost(ROOT, clock=clock, env=env, state_dir=Path(tmp) / "state") as host:
                get_settings.cache_clear()
                url = f"{host.base_url}/api/alerts?code={host.function_key}"
                for i in range(rounds):
                    for label, body in [
                        ("fired (starts 3 runs)", alert(f"a-{i}", "Fired")),
                        ("duplicate", alert(f"a-{i}", "Fired")),
                        ("resolved", alert(f"a-{i}", "Resolved")),
                    ]:
                        t0 = time.perf_counter()
                        requests.post(url, json=body, timeout=30).raise_for_status()
                        timings[label].append(time.perf_counter() - t0)
                    host.drive(until=lambda: True, timeout=60)
    for label, values in timings.items():
        print(
            f"{label:<24} n={len(values):<3} p50 {pct(values, 0.5):6.1f} ms  p95 {pct(values, 0.95):6.1f} ms"
        )


if __name__ == "__main__":
    main()
