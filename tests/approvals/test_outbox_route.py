"""``GET /api/outbox`` exists only in local mode (W4)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import requests

from tests.approvals.conftest import ROOT, app_env


def test_outbox_is_404_problem_outside_local_mode_W4(tmp_path: Path) -> None:
    from clients.settings import get_settings
    from devhost.clock import VirtualClock
    from devhost.testing import DevHost

    env = {**app_env(tmp_path), "FAILBACK_LOCAL_MODE": "false"}
    get_settings.cache_clear()
    try:
        with DevHost(
            app_dir=ROOT, clock=VirtualClock(start=datetime.now(UTC)), env=env, state_dir=tmp_path / "s"
        ) as host:
            get_settings.cache_clear()
            r = requests.get(f"{host.base_url}/api/outbox", params={"code": host.function_key}, timeout=10)
    finally:
        get_settings.cache_clear()
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_outbox_lists_messages_in_local_mode_and_pages_W4(host) -> None:
    from tests.approvals.gate_driver import Gate

    gate = Gate(host, {"approvers": ["a@x"]})
    first = gate.messages()
    assert [m["kind"] for m in first] == ["approval-request"]
    r = requests.get(
        f"{host.base_url}/api/outbox",
        params={"after": first[-1]["seq"], "code": host.function_key},
        timeout=10,
    )
    assert r.json()["messages"] == []
    bad = requests.get(
        f"{host.base_url}/api/outbox", params={"after": "x", "code": host.function_key}, timeout=10
    )
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
