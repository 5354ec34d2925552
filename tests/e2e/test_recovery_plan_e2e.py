"""Recovery-plan failback end to end on the simulator (issue 7, seeds 000/001, H2e, V5).

HTTP -> local host -> failback_orchestrator (recovery-plan variant) -> activities -> simulator.
"""

from __future__ import annotations

import re
import time
from typing import Any

from scripts.failback_stack import FailbackStack, sample_request
from tests.variants.e2e_helpers import approve_and_finish


def plan_request(plan: str, **overrides: Any) -> dict[str, Any]:
    body = sample_request("x", kind="recovery-plan", recoveryPlan=plan, **overrides)
    del body["item"]
    body["verification"] = {"workspaceId": body["verification"]["workspaceId"], "windowMinutes": 30}
    return body


def test_hyperv_plan_suspends_once_is_resumed_after_approval_and_reprotects_as_a_plan(
    stack: FailbackStack,
) -> None:
    run_id = stack.start_failback(plan_request("rp-hyperv", dataSync="before-failover"))
    assert run_id.startswith("fb-vault-dr-rp-hyperv-")
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded", report.get("error")
    ops = [(j["operation"], j["state"]) for j in report["asrJobs"]]
    # one plan job (suspended, then resumed), one plan commit, one plan re-protect (R28)
    assert [op for op, _ in ops] == ["sync", "commit", "reprotect"], ops
    assert all(state == "Succeeded" for _, state in ops)
    writes = stack.writes()
    # R28: one plan-level re-protect, no item re-protect (default profile)
    assert writes.get("write plans.reprotect") == 1 and "write items.reprotect" not in writes, writes
    # verification checked each VM of the plan (no computer named)
    checked = {c["name"].split(":")[0] for c in report["verification"]["checks"]}
    assert checked == {"rp-db01", "rp-app01"}
    assert stack.invariants() == []


def test_alternate_location_for_a_plan_is_refused_with_the_h2e_reason(stack: FailbackStack) -> None:
    response = stack.post(
        "/api/failbacks", plan_request("rp-hyperv", location="alternate", targetHost="hv-host-02")
    )
    assert response.status_code == 400
    assert any("H2e" in e for e in response.json()["errors"])
    assert stack.writes() == {}


def test_replication_group_fails_back_only_through_its_plan_V5(stack: FailbackStack) -> None:
    body = sample_request("vmw-lin01", kind="vmware-classic", dataSync="auto")
    single = stack.finish(stack.start_failback(body))
    assert single["outcome"] == "rejected"
    v5 = next(c for c in single["preflight"]["checks"] if c["id"] == "V5")
    assert "rp-vmware-linux" in v5["remedy"]
    assert stack.writes() == {}


def test_vmware_group_plan_reprotects_items_on_one_master_target_then_fails_over_V5_V6(
    stack: FailbackStack,
) -> None:
    run_id = stack.start_failback(plan_request("rp-vmware-linux"))
    report = approve_and_finish(stack, run_id, timeout=150)
    assert report["outcome"] == "succeeded", report.get("error")
    ops = [j["operation"] for j in report["asrJobs"]]
    assert ops.index("switchover") < ops.index("commit") < ops.index("reprotect")
    sync = [j for j in report["asrJobs"] if j["operation"] == "sync" and j["state"] == "Succeeded"]
    assert len(sync) == 2  # each item of the group re-protected to on-prem, one by one
    mt_checks = [c["evidence"] for c in report["preflight"]["checks"] if c["id"] == "V3-mt-os"]
    mts = {re.search(r"master target (\S+)", e).group(1) for e in mt_checks}  # type: ignore[union-attr]
    assert len(mt_checks) == 2 and mts == {"mt-lin-01"}  # V5: one Linux master target for the group
    # V6: Linux VMs lose NetworkManager and fall back to DHCP: the report says so
    assert any("DHCP" in effect for effect in report["afterEffects"])
    assert stack.invariants() == []


def test_rejected_plan_cancels_its_suspended_job_and_keeps_the_vms_in_azure_W2_H10(
    stack: FailbackStack,
) -> None:
    from tests.variants.e2e_helpers import approve

    run_id = stack.start_failback(plan_request("rp-hyperv", dataSync="before-failover"))
    stack.drive_to(run_id, awaiting="approval")
    approve(stack, run_id, decision="reject")
    report = stack.finish(run_id)
    assert report["outcome"] == "not-approved"
    assert "cancelled" in report["message"]
    time.sleep(1.1)  # run ids carry the start second
    again = stack.start_failback(plan_request("rp-hyperv", dataSync="before-failover"))
    assert again != run_id
    second = approve_and_finish(stack, again)
    assert second["outcome"] == "succeeded", second.get("error")
    assert stack.invariants() == []
