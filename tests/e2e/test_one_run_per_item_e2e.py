"""One run per item, atomically (issue 12, part 1), through the local host against the simulator.

Requests race with a barrier: every thread posts at the same instant, naming the VM by its friendly
name, by its ASR name, in another case, or as an alert delivery. Exactly one run starts; everyone
else is answered with that run; ASR sees one write of each kind.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from scripts.failback_stack import VAULT, FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish, assert_clean

#: Concurrent requests per race (the figure issue 12 asks for).
RACERS = 8
NAMINGS = [{"friendlyName": "web01"}, {"name": "rpi-web01"}, {"friendlyName": "WEB01"}, {"name": "RPI-Web01"}]


class AlertStack(FailbackStack):
    """The stack with an alert rule that fails back ``web01``."""

    def env(self) -> dict[str, str]:
        """The stack's settings plus ``ALERT_RULES``."""
        rule = {
            "rule": "hq-back",
            "request": sample_request(item={"name": "rpi-web01"}),
            "onResolved": "ignore",
        }
        return {**super().env(), "ALERT_RULES": json.dumps([rule])}


def _alert() -> dict[str, Any]:
    return {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": {
                "alertId": "/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/race",
                "alertRule": "hq-back",
                "monitorCondition": "Fired",
                "monitoringService": "Log Alerts V2",
            },
            "alertContext": {},
        },
    }


def _race(stack: FailbackStack, calls: list[tuple[str, Any]]) -> list[requests.Response]:
    """POST every ``(path, body)`` at once (a barrier releases the threads together)."""
    barrier = threading.Barrier(len(calls))
    key = {"x-functions-key": stack.running.function_key}

    def post(call: tuple[str, Any]) -> requests.Response:
        path, body = call
        barrier.wait(timeout=30)
        return requests.post(stack.url(path), json=body, headers=key, timeout=60)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(post, calls))


def test_concurrent_requests_naming_the_vm_two_ways_start_exactly_one_run(tmp_path: Path) -> None:
    with AlertStack(tmp_path) as stack:
        calls: list[tuple[str, Any]] = [
            ("/api/failbacks", sample_request(item=NAMINGS[n % len(NAMINGS)])) for n in range(RACERS - 1)
        ]
        calls.append(("/api/alerts", _alert()))
        answers = _race(stack, calls)
        assert all(a.status_code in (200, 202) for a in answers), [(a.status_code, a.text) for a in answers]
        direct = [a.json() for a in answers[:-1]]
        alert_run = answers[-1].json()["runs"][0]
        ids = {d["id"] for d in direct} | {alert_run["runId"]}
        assert len(ids) == 1, ids  # every requester is told about the same run
        started = [d for d in direct if d["existing"] is False] + (
            [alert_run] if alert_run["started"] else []
        )
        assert len(started) == 1, direct
        runs = stack.get("/api/failbacks").json()["runs"]
        assert [r["runId"] for r in runs] == list(ids)
        report = approve_and_finish(stack, ids.pop())
        assert report["outcome"] == "succeeded", report.get("error")
        assert_clean(stack)  # one planned failover, one resume, one commit, one re-protect


def test_the_same_vm_name_in_another_resource_group_is_not_this_vaults_run(stack: FailbackStack) -> None:
    first = stack.start_failback(sample_request())
    stack.drive_to(first, phase="sync")
    other_vault = {**VAULT, "resourceGroup": "rg-elsewhere"}
    other = stack.post("/api/failbacks", sample_request(vault=other_vault))
    assert other.status_code == 202, other.text
    assert other.json()["existing"] is False and other.json()["id"] != first
    elsewhere = stack.finish(other.json()["id"])
    assert elsewhere["outcome"] != "succeeded" and "rg-elsewhere" in json.dumps(elsewhere)
    report = approve_and_finish(stack, first)
    assert report["outcome"] == "succeeded", report.get("error")
    assert_clean(stack)


def test_a_new_request_after_a_run_ended_starts_the_next_run_of_the_item(stack: FailbackStack) -> None:
    first = stack.start_failback(sample_request(item={"friendlyName": "web01"}))
    stack.drive_to(first, awaiting="approval")
    assert stack.decide(first, "rejected").status_code == 200
    assert stack.finish(first)["outcome"] == "not-approved"
    second = stack.post("/api/failbacks", sample_request(item={"name": "rpi-web01"}))
    assert second.status_code == 202 and second.json()["existing"] is False
    assert second.json()["id"] != first and second.json()["id"].endswith("-g2")
    assert stack.run(first)["outcome"] == "not-approved"  # the first run's report is still there
    report = approve_and_finish(stack, second.json()["id"])
    assert report["outcome"] == "succeeded", report.get("error")
