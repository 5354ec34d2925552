"""The server itself: CLI start line, TLS, auth, ARM envelope basics, control API odds and ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from simulator.clock import ManualClock, ScaledClock
from simulator.testing import StaticToken
from tests.simulator.conftest import RG, VAULT, Sim

ROOT = Path(__file__).resolve().parents[2]


def test_cli_start_prints_one_json_line_and_serves(tmp_path: Path) -> None:
    from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient

    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "start", "--port", "0", "--state-dir", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert set(info) == {
            "arm_endpoint",
            "logs_endpoint",
            "ca_bundle",
            "subscription_id",
            "resource_group",
            "vault",
            "workspace_id",
        }
        assert info["ca_bundle"] == str(tmp_path / "ca.pem")
        assert (info["resource_group"], info["vault"]) == (RG, VAULT)
        with SiteRecoveryManagementClient(
            StaticToken(),
            info["subscription_id"],
            base_url=info["arm_endpoint"],
            connection_verify=info["ca_bundle"],
        ) as client:
            assert {f.name for f in client.replication_fabrics.list(RG, VAULT)} >= {"site-hq", "vmm-contoso"}
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert out == ""  # nothing but the one line on stdout


def test_requests_without_bearer_token_are_unauthorized(sim: Sim) -> None:
    info = sim.server.info
    url = (
        f"{info['arm_endpoint']}/subscriptions/{info['subscription_id']}/resourceGroups/{RG}/providers/"
        f"Microsoft.RecoveryServices/vaults/{VAULT}/replicationFabrics?api-version=2025-08-01"
    )
    answer = requests.get(url, verify=info["ca_bundle"], timeout=10)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "AuthenticationFailed"
    logs = requests.post(
        f"{info['logs_endpoint']}/v1/workspaces/{info['workspace_id']}/query",
        json={"query": "Heartbeat"},
        verify=info["ca_bundle"],
        timeout=10,
    )
    assert logs.status_code == 401
    assert (
        requests.get(
            url, headers={"Authorization": "Bearer anything"}, verify=info["ca_bundle"], timeout=10
        ).status_code
        == 200
    )
    no_version = requests.get(
        url.split("?")[0], headers={"Authorization": "Bearer x"}, verify=info["ca_bundle"], timeout=10
    )
    assert no_version.status_code == 400
    assert no_version.json()["error"]["code"] == "MissingApiVersionParameter"


def test_control_api_scenarios_state_time_and_app_settings(sim: Sim) -> None:
    names = {s["name"] for s in sim.control.scenarios()["scenarios"]}
    assert {"default", "empty", "many"} <= names
    state = sim.control.state()
    assert {i["friendlyName"] for i in state["items"]} >= {
        "app01",
        "web01",
        "legacy01",
        "db01",
        "file01",
        "old01",
    }
    before = sim.clock.now()
    sim.control.advance(90)
    assert (sim.clock.now() - before).total_seconds() == 90
    settings = sim.server.app_settings()
    assert settings["FAILBACK_CREDENTIAL"] == "local"
    assert settings["FAILBACK_CA_BUNDLE"] == sim.server.info["ca_bundle"]


def test_clocks() -> None:
    manual = ManualClock()
    start = manual.now()
    from datetime import timedelta

    manual.advance(timedelta(seconds=5))
    assert manual.now() - start == timedelta(seconds=5)
    scaled = ScaledClock(scale=1000)
    first = scaled.now()
    scaled.set_scale(0)
    frozen = scaled.now()
    assert frozen >= first and scaled.now() == frozen
    scaled.advance(timedelta(hours=1))
    assert scaled.now() - frozen == timedelta(hours=1)


def test_shared_virtual_clock_of_the_local_host_drives_jobs() -> None:
    from datetime import UTC, datetime, timedelta

    from devhost.clock import VirtualClock
    from simulator.testing import SimulatorServer
    from tests.simulator.conftest import WEB01, failback_input

    clock = VirtualClock(start=datetime(2026, 1, 1, tzinfo=UTC))
    with SimulatorServer(scenario="default", clock=clock) as server, server.mgmt_client() as client:
        client.replication_protected_items.begin_planned_failover(
            RG, VAULT, *WEB01, failback_input("ForDownTime"), polling=False
        )
        item = client.replication_protected_items.get(RG, VAULT, *WEB01)
        job_name = item.properties.current_scenario.job_id.rsplit("/", 1)[1]
        clock.advance(timedelta(hours=1))  # the host jumps to its next durable timer
        assert client.replication_jobs.get(RG, VAULT, job_name).properties.state == "Suspended"
        server.control.advance(60)  # the control API moves the same clock
        assert clock.now() == datetime(2026, 1, 1, 1, 1, tzinfo=UTC)
