"""Recovery-plan, VMware and waves flows under every simulator profile (RECORDED.md guesses, issue 10).

The product must not rest on one guess: each flow runs against every profile of
``simulator.profiles.PROFILES`` and must succeed with the simulator's invariants empty and each
ASR write issued once per target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts.failback_stack import FailbackStack
from simulator.profiles import PROFILES
from tests.e2e.test_recovery_plan_e2e import plan_request
from tests.e2e.test_vmware_e2e import LOG_STORAGE, vmware_request
from tests.e2e.test_waves_e2e import vm, waves_request
from tests.variants.e2e_helpers import approve, approve_and_finish

ALL = pytest.mark.parametrize("profile", list(PROFILES))


def _writes(stack: FailbackStack) -> dict[str, int]:
    """ASR writes only (a Log Analytics query is a POST too, but changes nothing)."""
    return {k.removeprefix("write "): v for k, v in stack.writes().items() if not k.startswith("write logs.")}


@ALL
def test_hyperv_plan_under_every_profile(tmp_path: Path, profile: str) -> None:
    with FailbackStack(tmp_path, profile=profile) as stack:
        run_id = stack.start_failback(plan_request("rp-hyperv", dataSync="before-failover"))
        report = approve_and_finish(stack, run_id)
        assert report["outcome"] == "succeeded", (profile, report.get("error"))
        assert stack.invariants() == []
        writes = _writes(stack)
        expected = {"plans.planned_failover": 1, "jobs.resume": 1, "plans.failover_commit": 1}
        if PROFILES[profile].plan_reprotect == "ok":
            expected["plans.reprotect"] = 1  # R28
        else:  # G12: one refused plan re-protect, then one re-protect per item
            expected.update({"plans.reprotect": 1, "items.reprotect": 2})
        assert writes == expected, (profile, writes)


@ALL
def test_vmware_classic_under_every_profile(tmp_path: Path, profile: str) -> None:
    with FailbackStack(tmp_path, profile=profile) as stack:
        run_id = stack.start_failback(vmware_request("vmw-win01"))
        report = approve_and_finish(stack, run_id, timeout=150)
        assert report["outcome"] == "succeeded", (profile, report.get("error"))
        assert stack.invariants() == []
        writes = _writes(stack)
        # V4 retries a re-protect while the agent registers: each retry follows a failed job
        failed = {j["operation"]: 0 for j in report["asrJobs"]}
        for job in report["asrJobs"]:
            failed[job["operation"]] += job["state"] == "Failed"
        assert writes["items.reprotect"] == 2 + failed.get("sync", 0) + failed.get("reprotect", 0), writes
        assert writes["items.unplanned_failover"] == 1 and writes["items.failover_commit"] == 1, writes


@ALL
def test_vmware_modernized_under_every_profile(tmp_path: Path, profile: str) -> None:
    with FailbackStack(tmp_path, profile=profile) as stack:
        body = vmware_request("vmw-rcm01", "vmware-modernized", logStorageAccountId=LOG_STORAGE)
        report = approve_and_finish(stack, stack.start_failback(body), timeout=150)
        assert report["outcome"] == "succeeded", (profile, report.get("error"))
        assert stack.invariants() == []
        writes = _writes(stack)
        failed = sum(j["state"] == "Failed" for j in report["asrJobs"])
        assert writes["items.reprotect"] == 2 + failed, writes
        assert writes["items.planned_failover"] == 1 and writes["items.failover_commit"] == 1, writes


@ALL
def test_small_waves_under_every_profile(tmp_path: Path, profile: str) -> None:
    with FailbackStack(tmp_path, scenario="scale-10", profile=profile) as stack:
        run_id = stack.start_failback(waves_request([[vm(1), vm(2)], [vm(3)]], approval="once"))
        stack.drive_to(run_id, awaiting="approval")
        approve(stack, run_id, gate="waves")
        report: dict[str, Any] = stack.finish(run_id, timeout=150)
        assert report["outcome"] == "succeeded", (profile, report.get("vms"))
        assert stack.invariants() == []
        writes = _writes(stack)
        for kind in ("items.planned_failover", "items.failover_commit", "items.reprotect"):
            assert writes.get(kind) == 3, (profile, writes)  # once per VM
