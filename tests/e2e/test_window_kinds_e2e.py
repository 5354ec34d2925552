"""A window shorter than the estimated downtime, for VMware and recovery plans (issue 13, part 7).

Through HTTP and the local host against the simulator: a VMware run whose window is shorter than
the downtime of its disks fails the pre-flight with both lengths and what to do, and nothing is
written to ASR; a recovery plan's dry run with such a window warns, with the plan's estimate.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.runs import estimate_downtime
from domain.window_fit import plan_disk_gb
from scripts.failback_stack import FailbackStack
from tests.e2e.test_recovery_plan_e2e import plan_request
from tests.e2e.test_vmware_e2e import vmware_request
from tests.e2e.test_window_refused_e2e import _window

#: vmw-win01's disks (128 + 256 GB) with VMware's final-delta sync: ~8 min of downtime.
VMW_WIN01_MINUTES = -(-estimate_downtime(128 + 256, "before-failover")["seconds"] // 60)


def _window_check(checks: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in checks if c["id"] == "WINDOW")


def test_a_vmware_window_shorter_than_the_estimated_downtime_fails_the_preflight_and_writes_nothing(
    stack: FailbackStack,
) -> None:
    """W1/V3: a 5 min window for vmw-win01's ~8 min downtime is refused at pre-flight; ASR untouched."""
    assert VMW_WIN01_MINUTES == 8
    window = _window(stack, timedelta(hours=2), 5)
    run_id = stack.start_failback({**vmware_request("vmw-win01"), "maintenanceWindow": window})
    report = stack.finish(run_id)
    assert report["outcome"] == "rejected"
    assert report["error"]["code"] == "PREFLIGHT_FAILED"
    check = _window_check(report["preflight"]["checks"])
    assert not check["passed"]
    assert "is 5 min long" in check["evidence"]
    assert f"estimated at {VMW_WIN01_MINUTES} min" in check["evidence"]
    assert "data sync before-failover" in check["evidence"]
    assert f"at least {VMW_WIN01_MINUTES} min" in check["remedy"]
    assert [c["id"] for c in report["preflight"]["checks"] if not c["passed"]] == ["WINDOW"]
    assert stack.writes() == {}  # nothing re-protected, failed over or committed
    assert stack.invariants() == []
    page = stack.get(f"/api/failbacks/{run_id}?format=html&lang=ja").text
    assert "メンテナンス時間帯は 5 分" in page and f"{VMW_WIN01_MINUTES} 分" in page


def test_a_plan_dry_run_with_a_short_window_warns_with_the_plans_estimate(stack: FailbackStack) -> None:
    """W1/V5: the rehearsal of a VMware plan says why the real request would be refused."""
    window = _window(stack, timedelta(hours=2), 5)
    rehearsal = stack.post(
        "/api/failbacks", plan_request("rp-vmware-linux", maintenanceWindow=window, dryRun=True)
    )
    assert rehearsal.status_code == 200, rehearsal.text
    body = rehearsal.json()
    check = _window_check(body["preflight"]["checks"])
    assert check["passed"] and "is 5 min long" in check["warning"]
    assert any("is 5 min long" in w for w in body["warnings"])
    # The estimate is over every member's disks (the plan's one downtime moves them all).
    # The estimate is over every member's disks: vmw-lin01 and vmw-lin02, 64 GB each.
    assert plan_disk_gb([64, 64]) == 128
    expected = body["plan"]["expectedDowntime"]
    assert expected["assumptions"].startswith("128 GB of disks")
    assert expected == estimate_downtime(128, "before-failover")
    assert f"estimated at {-(-expected['seconds'] // 60)} min" in check["warning"]
    assert stack.writes() == {}
