"""``POST /api/alerts`` on DevHost + simulator: Fired starts, duplicates are ignored,
a second alert joins the running run, Resolved cancels before approval only (W3)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from domain.alerts import matching_rules, parse_alert, receipt_id
from domain.approval_summary import HYPERV_CHECKLIST
from tests.approvals.conftest import ROOT, app_env

REQUEST = {
    "vault": {
        "subscriptionId": "00000000-0000-0000-0000-000000000001",
        "resourceGroup": "rg-dr",
        "name": "vault-dr",
    },
    "item": {"friendlyName": "web01"},
    "approval": {"approvers": ["lead@contoso.com"]},
    "verification": {"workspaceId": "11111111-2222-3333-4444-555555555555", "computer": "web01"},
}
RULES = [
    {"rule": "hq-site-back-online", "request": REQUEST, "onResolved": "cancel"},
    {"rule": "broken-rule", "request": {"vault": {}}},
]


def alert(
    condition: str = "Fired", alert_id: str = "a-1", rule: str = "hq-site-back-online"
) -> dict[str, Any]:
    return {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": {
                "alertId": f"/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/{alert_id}",
                "alertRule": rule,
                "severity": "Sev3",
                "signalType": "Log",
                "monitorCondition": condition,
                "monitoringService": "Log Alerts V2",
                "alertTargetIDs": [
                    "/subscriptions/s/resourcegroups/rg/providers/microsoft.operationalinsights/workspaces/w"
                ],
                "firedDateTime": "2026-01-01T00:00:00Z",
                "essentialsVersion": "1.0",
                "alertContextVersion": "1.0",
            },
            "alertContext": {},
        },
    }


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Any]:
    from clients.settings import get_settings
    from devhost.clock import VirtualClock
    from devhost.testing import DevHost
    from simulator.testing import SimulatorServer

    clock = VirtualClock(start=datetime.now(UTC).replace(microsecond=0))
    get_settings.cache_clear()
    with SimulatorServer(scenario="default", clock=clock, state_dir=tmp_path / "sim") as sim:
        env = {**sim.app_settings(), **app_env(tmp_path), "ALERT_RULES": json.dumps(RULES)}
        with DevHost(app_dir=ROOT, clock=clock, env=env, state_dir=tmp_path / "state") as host:
            get_settings.cache_clear()
            yield host
    get_settings.cache_clear()


def post(host: Any, body: Any) -> requests.Response:
    return requests.post(
        f"{host.base_url}/api/alerts", json=body, params={"code": host.function_key}, timeout=10
    )


def run(host: Any, run_id: str) -> dict[str, Any]:
    r = requests.get(
        f"{host.base_url}/api/failbacks/{run_id}", params={"code": host.function_key}, timeout=10
    )
    return dict(r.json())


def awaiting_approval(host: Any, run_id: str) -> bool:
    return run(host, run_id).get("awaiting") == "approval"


def test_fired_starts_once_and_duplicates_are_ignored_W3(stack: Any) -> None:
    host = stack
    t0 = time.perf_counter()
    first = post(host, alert())
    elapsed = time.perf_counter() - t0
    print(f"\n[alerts] Fired handled in {elapsed * 1000:.0f} ms")
    assert first.status_code == 202, first.text
    body = first.json()
    assert body["matched"] == 1 and body["runs"][0]["started"] is True
    run_id = body["runs"][0]["runId"]
    host.drive(until=lambda: True)
    again = post(host, alert())  # the action group retries the same delivery
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["runs"][0]["runId"] == run_id
    other = post(host, alert(alert_id="a-2"))  # a second alert for the same item: conflicting start
    assert other.status_code == 202 and other.json()["runs"][0] == {
        "rule": "hq-site-back-online",
        "runId": run_id,
        "started": False,
    }
    runs = requests.get(f"{host.base_url}/api/failbacks", params={"code": host.function_key}, timeout=10)
    assert [r["runId"] for r in runs.json()["runs"]] == [run_id]


def test_resolved_before_approval_cancels_the_run_W3(stack: Any) -> None:
    host = stack
    run_id = post(host, alert()).json()["runs"][0]["runId"]
    host.drive(until=lambda: awaiting_approval(host, run_id), max_virtual=timedelta(days=2), timeout=60)
    resolved = post(host, alert("Resolved"))
    assert resolved.status_code == 202, resolved.text
    assert resolved.json()["runs"][0]["action"] == "cancel requested"
    host.drive(until=lambda: run(host, run_id)["runtimeStatus"] != "Running", max_virtual=timedelta(days=2))
    final = run(host, run_id)
    assert final["runtimeStatus"] == "Completed" and final["outcome"] == "cancelled", final
    assert post(host, alert("Resolved")).json()["duplicate"] is True


def test_resolved_after_approval_leaves_the_run_W3(stack: Any) -> None:
    host = stack
    run_id = post(host, alert()).json()["runs"][0]["runId"]
    host.drive(until=lambda: awaiting_approval(host, run_id), max_virtual=timedelta(days=2), timeout=60)
    r = requests.get(
        f"{host.base_url}/api/outbox", params={"runId": run_id, "code": host.function_key}, timeout=10
    )
    link = next(m for m in r.json()["messages"] if m["kind"] == "approval-request")["links"][0]
    page = host.base_url + link["path"]
    token = link["path"].rsplit("/", 1)[1]
    form = {
        "token": token,
        "decision": "approve",
        "attest": [item["id"] for item in HYPERV_CHECKLIST],  # the run's checklist (V3)
    }
    assert requests.post(page, data=form, timeout=30).status_code in (200, 202)
    host.drive(
        until=lambda: run(host, run_id).get("phase") not in (None, "preflight", "sync", "approval"),
        timeout=60,
    )
    resolved = post(host, alert("Resolved")).json()
    assert resolved["runs"][0]["action"].startswith("left: the run is past the approval gate")


def test_bad_alerts_get_problem_json_and_unknown_rules_are_acknowledged_W3(stack: Any) -> None:
    host = stack
    bad = post(host, {"schemaId": "other"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert len(bad.json()["errors"]) >= 1
    unknown = post(host, alert(rule="some-other-rule"))
    assert unknown.status_code == 200 and unknown.json()["matched"] == 0


def test_alert_parsing_and_rule_matching_W3() -> None:
    parsed, reasons = parse_alert(alert())
    assert parsed is not None and not reasons and parsed.condition == "Fired"
    _, reasons = parse_alert({"schemaId": "x", "data": {"essentials": {"monitorCondition": "Maybe"}}})
    assert len(reasons) == 4
    by_id = parsed.__class__(
        parsed.alert_id, "x", "/subscriptions/s/.../alertRules/HQ-Site-Back-Online", "Fired"
    )
    assert matching_rules(by_id, tuple(RULES)) == [RULES[0]]
    assert receipt_id("a", "Fired") == receipt_id("a", "Fired") != receipt_id("a", "Resolved")


def service_health(stage: str, alert_id: str = "sh-1") -> dict[str, Any]:
    """A Service Health notice as action groups deliver it: an activity-log alert, always 'Fired'."""
    body = alert("Fired", alert_id=alert_id)
    body["data"]["essentials"].update(monitoringService="ServiceHealth", signalType="Activity Log")
    body["data"]["alertContext"] = {
        "channels": "Admin",
        "eventSource": "ServiceHealth",
        "operationName": "Microsoft.ServiceHealth/incident/action",
        "status": "Active" if stage == "Active" else "Resolved",
        "properties": {"title": "Network issue", "service": "Site Recovery", "stage": stage},
    }
    return body


def test_concurrent_deliveries_of_one_alert_start_one_run_and_never_fail_W3(stack: Any) -> None:
    """Issue 12: six simultaneous deliveries of one Fired alert (action group retries)."""
    host = stack
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: post(host, alert(alert_id="burst")), range(6)))
    assert [a.status_code for a in answers].count(202) == 1, [a.text for a in answers]
    assert all(a.status_code in (200, 202) for a in answers), [(a.status_code, a.text) for a in answers]
    assert all(a.json()["duplicate"] for a in answers if a.status_code == 200)
    runs = requests.get(f"{host.base_url}/api/failbacks", params={"code": host.function_key}, timeout=10)
    assert len(runs.json()["runs"]) == 1


def test_a_resolved_that_arrives_first_cancels_the_run_its_fired_starts_W3(stack: Any) -> None:
    host = stack
    early = post(host, alert("Resolved", alert_id="swapped"))
    assert early.status_code == 202 and early.json()["runs"][0]["action"].startswith("pending")
    fired = post(host, alert("Fired", alert_id="swapped")).json()
    run_id = fired["runs"][0]["runId"]
    assert fired["runs"][0]["resolved"] == "cancel requested"
    host.drive(until=lambda: run(host, run_id)["runtimeStatus"] != "Running", max_virtual=timedelta(days=2))
    assert run(host, run_id)["outcome"] == "cancelled"


def test_one_alert_id_under_two_rules_is_two_deliveries_W3(stack: Any) -> None:
    """Microsoft's sample payloads share one alert id across alert types and rules."""
    host = stack
    first = post(host, alert(alert_id="shared-id"))
    other_rule = post(host, alert(alert_id="shared-id", rule="broken-rule"))
    assert first.status_code == 202
    assert other_rule.status_code == 202 and other_rule.json()["duplicate"] is False
    assert "error" in other_rule.json()["runs"][0]  # that rule's request is invalid: said, not hidden


def test_a_service_health_resolved_notice_does_not_start_a_run_W3(stack: Any) -> None:
    host = stack
    resolved = post(host, service_health("Resolved")).json()
    assert resolved["condition"] == "Resolved"
    runs = requests.get(f"{host.base_url}/api/failbacks", params={"code": host.function_key}, timeout=10)
    assert runs.json()["runs"] == []
    parsed, _ = parse_alert(service_health("Active"))
    assert parsed is not None and parsed.condition == "Fired"
    health = alert("Fired")
    health["data"]["essentials"]["monitoringService"] = "Resource Health"
    health["data"]["alertContext"] = {"properties": {"currentHealthStatus": "Available"}}
    parsed, _ = parse_alert(health)
    assert parsed is not None and parsed.condition == "Resolved"
