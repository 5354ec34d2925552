"""Captures keep the simulator true (issue 15): capture, sanitize, replay, and compare.

Everything goes through the real SDK (``python -m cli capture`` against a simulator over HTTPS) and a
second simulator seeded from the capture (``simulator start --capture``'s builder).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.capture import run_capture
from cli.sanitize import sanitize
from simulator.capture_seed import register_capture
from simulator.clock import ManualClock
from simulator.testing import SimulatorServer
from tests.captures.shapes import by_name, capture_differences

HERE = Path(__file__).parent
CAPTURES = sorted(HERE.glob("*.json"))
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
IP = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:local|com)\b", re.IGNORECASE)


def capture_of(sim: SimulatorServer, out: Path, **options: Any) -> dict[str, Any]:
    """``python -m cli capture`` of the vault ``sim`` serves (read-only, through the SDK)."""
    info = sim.info
    summary = run_capture(
        subscription=info["subscription_id"],
        resource_group=info["resource_group"],
        vault=info["vault"],
        out=out,
        arm_endpoint=info["arm_endpoint"],
        ca_bundle=info["ca_bundle"],
        workspace=info["workspace_id"],
        credential="local",
        show_progress=False,
        **options,
    )
    return {**json.loads(out.read_text()), "summary": summary}


def _strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _strings(v, k)]
    if isinstance(value, list):
        return [pair for v in value for pair in _strings(v, key)]
    return [(key, value)] if isinstance(value, str) else []


def _codes(errors: list[dict[str, Any]] | None) -> list[Any]:
    return [(e.get("serviceErrorDetails") or {}).get("code") for e in errors or []]


def _tasks(job: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Tasks without their times (a replay moves them with its clock)."""
    return [(t["name"], t["state"], _codes(t.get("errors"))) for t in job["properties"]["tasks"]]


def _states(capture: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {
        i["name"]: (
            i["properties"]["friendlyName"],
            i["properties"]["protectionState"],
            i["properties"]["activeLocation"],
            tuple(i["properties"]["allowedOperations"]),
            i["properties"]["providerSpecificDetails"]["instanceType"],
        )
        for i in capture["resources"]["protectedItems"]
    }


def test_capture_then_replay_gives_the_same_items_states_and_allowed_operations(tmp_path: Path) -> None:
    with SimulatorServer(scenario="default", clock=ManualClock()) as source:
        first = capture_of(source, tmp_path / "vault.json")
    assert first["summary"]["sanitized"] and first["summary"]["pseudonyms"] > 100
    assert Path(first["summary"]["mapping"]).exists()
    assert first["counts"]["protectedItems"] == 14 and first["counts"]["recoveryPlans"] == 3
    scenario = register_capture(tmp_path / "vault.json")
    with SimulatorServer(scenario=scenario, clock=ManualClock()) as replay:
        assert replay.info["vault"] == first["vault"]["name"]  # the replay serves the captured vault
        second = capture_of(replay, tmp_path / "replay.json", keep_names=True)
    assert _states(second) == _states(first)
    assert capture_differences(first, second) == []
    plans = {p["name"]: p["properties"]["groups"] for p in first["resources"]["recoveryPlans"]}
    assert {p["name"]: p["properties"]["groups"] for p in second["resources"]["recoveryPlans"]} == plans


@pytest.mark.parametrize("path", CAPTURES, ids=[p.stem for p in CAPTURES])
def test_simulator_seeded_from_each_capture_answers_with_its_fields_types_and_enums(
    path: Path, tmp_path: Path
) -> None:
    captured = json.loads(path.read_text())
    with SimulatorServer(scenario=register_capture(path), clock=ManualClock()) as sim:
        replayed = capture_of(sim, tmp_path / "replayed.json", keep_names=True)
    assert capture_differences(captured, replayed) == []
    # recorded jobs come back with their tasks, errors and states
    jobs = by_name(replayed["resources"]["jobs"])
    for job in captured["resources"]["jobs"]:
        again = next(j for k, j in jobs.items() if k.endswith(job["name"].lower()))
        assert _tasks(again) == _tasks(job)
        assert _codes(again["properties"]["errors"]) == _codes(job["properties"]["errors"])
        assert again["properties"]["state"] == job["properties"]["state"]


def test_sanitized_capture_holds_no_source_guid_host_name_ip_or_name(tmp_path: Path) -> None:
    with SimulatorServer(scenario="default", clock=ManualClock()) as sim:
        raw = capture_of(sim, tmp_path / "raw.json", keep_names=True)
        capture_of(sim, tmp_path / "clean.json")
    source = (tmp_path / "raw.json").read_text()
    clean = (tmp_path / "clean.json").read_text()
    mapping = json.loads((tmp_path / "clean.mapping.json").read_text())
    guids = {g.lower() for g in GUID.findall(source)}
    ips = {
        ip
        for key, text in _strings(json.loads(source))
        if "version" not in key.lower()
        for ip in IP.findall(text)
    }
    hosts = {h.lower() for h in HOST.findall(source)}
    assert guids and ips and hosts  # the source has them: the scan below means something
    assert not guids & {g.lower() for g in GUID.findall(clean)}
    assert not ips & set(IP.findall(clean)), "an IP address of the source is in the sanitized capture"
    assert not hosts & {h.lower() for h in HOST.findall(clean)}
    names = [n for n in mapping.values() if len(n) >= 4]
    leaked = [n for n in names if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", clean, re.IGNORECASE)]
    assert leaked == []
    assert raw["vault"]["name"] == "vault-dr" and "vault-dr" not in clean
    # versions are not addresses: the provider version survives sanitizing
    assert '"providerVersion": "5.24.0501.5"' in clean


def test_secrets_and_signed_urls_never_reach_a_capture() -> None:
    capture = {
        "vault": {
            "subscriptionId": "0b5c2d9e-6f1a-4b3c-8d7e-0f21aa000001",
            "resourceGroup": "rg-x",
            "name": "v",
        },
        "resources": {
            "fabrics": [
                {
                    "id": "/subscriptions/0b5c2d9e-6f1a-4b3c-8d7e-0f21aa000001/x",
                    "name": "fab-one",
                    "properties": {
                        "customDetails": {
                            "runAsAccounts": [{"accountName": "svc-asr", "password": "hunter2"}]
                        },
                        "logUrl": "https://st.blob.core.windows.net/c/log?sv=2024&sig=abcdef",
                        "connectionString": "AccountKey=xyz",
                    },
                }
            ]
        },
    }
    clean, _ = sanitize(capture)
    text = json.dumps(clean)
    assert "hunter2" not in text and "sig=" not in text and "AccountKey" not in text
    assert "svc-asr" not in text and "0b5c2d9e" not in text


def test_missing_rights_stop_the_capture_naming_the_role(tmp_path: Path) -> None:
    with SimulatorServer(scenario="default", clock=ManualClock()) as sim:
        sim.control.fault(kind="status", status=403, path="replicationFabrics", count=None)
        info = sim.info
        result = CliRunner().invoke(
            app,
            [
                "capture",
                "--subscription",
                info["subscription_id"],
                "--resource-group",
                info["resource_group"],
                "--vault",
                info["vault"],
                "--out",
                str(tmp_path / "v.json"),
                "--arm-endpoint",
                info["arm_endpoint"],
                "--ca-bundle",
                info["ca_bundle"],
                "--credential",
                "local",
            ],
        )
    assert result.exit_code == 2, result.output
    assert "Site Recovery Reader" in result.output and "vault-dr" in result.output
    assert not (tmp_path / "v.json").exists()
