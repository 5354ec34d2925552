"""Requests that cannot work are refused up front (issue 13, part 7), through HTTP and the local host.

A maintenance window that already ended is a 400 before anything starts; a window shorter than the
estimated downtime fails the pre-flight with both lengths and what to do. A dry run warns of both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scripts.failback_stack import FailbackStack, sample_request


def _window(stack: FailbackStack, opens_in: timedelta, minutes: int) -> dict[str, str]:
    opens = stack.clock.now() + opens_in
    return {"start": opens.isoformat(), "end": (opens + timedelta(minutes=minutes)).isoformat()}


def test_a_window_that_already_ended_is_a_400_with_the_reason_and_starts_nothing(
    stack: FailbackStack,
) -> None:
    """W1: a past window could only end window-missed; refused before a run exists; a dry run warns."""
    window = _window(stack, -timedelta(hours=3), 60)
    response = stack.post("/api/failbacks", sample_request(maintenanceWindow=window))
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["title"] == "The maintenance window has already ended"
    assert "is already past" in body["detail"] and "ends in the future" in body["detail"]
    assert stack.get("/api/failbacks?format=json").json().get("runs", []) == []
    rehearsal = stack.post("/api/failbacks", sample_request(maintenanceWindow=window, dryRun=True))
    assert rehearsal.status_code == 200, rehearsal.text
    assert any("is already past" in w for w in rehearsal.json()["warnings"])
    assert stack.writes() == {}


def test_a_window_shorter_than_the_estimated_downtime_fails_the_preflight_and_changes_nothing(
    stack: FailbackStack,
) -> None:
    """W1/H2: web01's 127 GB downloaded during the failover need ~49 min; a 30 min window is refused."""
    window = _window(stack, timedelta(hours=2), 30)
    run_id = stack.start_failback(sample_request(dataSync="during-failover", maintenanceWindow=window))
    report = stack.finish(run_id)
    assert report["outcome"] == "rejected"
    assert report["error"]["code"] == "PREFLIGHT_FAILED"
    check: dict[str, Any] = next(c for c in report["preflight"]["checks"] if c["id"] == "WINDOW")
    assert not check["passed"]
    assert "is 30 min long" in check["evidence"] and "estimated at 49 min" in check["evidence"]
    assert "at least 49 min" in check["remedy"] and "before-failover" in check["remedy"]
    assert [c["id"] for c in report["preflight"]["checks"] if not c["passed"]] == ["WINDOW"]
    assert stack.writes() == {}
    page = stack.get(f"/api/failbacks/{run_id}?format=html&lang=ja").text
    assert "メンテナンス時間帯は 30 分" in page and "49 分" in page
    assert stack.invariants() == []


def test_a_dry_run_with_a_short_window_warns_and_a_long_enough_window_passes(stack: FailbackStack) -> None:
    """W1: the rehearsal says why the real request would be refused; nothing changes in ASR."""
    short = _window(stack, timedelta(hours=2), 30)
    rehearsal = stack.post(
        "/api/failbacks", sample_request(dataSync="during-failover", maintenanceWindow=short, dryRun=True)
    )
    assert rehearsal.status_code == 200, rehearsal.text
    body = rehearsal.json()
    assert body["outcome"] == "dry-run"
    assert len(body["warnings"]) == 1 and "is 30 min long" in body["warnings"][0]
    assert body["plan"]["warnings"] == body["warnings"]
    check = next(c for c in body["preflight"]["checks"] if c["id"] == "WINDOW")
    assert check["passed"] and "estimated at 49 min" in check["warning"]
    fits = _window(stack, timedelta(hours=2), 60)
    ok = stack.post(
        "/api/failbacks", sample_request(dataSync="during-failover", maintenanceWindow=fits, dryRun=True)
    ).json()
    assert ok["warnings"] == [] and ok["plan"]["wouldStart"] is True
    assert next(c for c in ok["preflight"]["checks"] if c["id"] == "WINDOW")["passed"]
    assert stack.writes() == {}
