"""A recovery plan's pre-flight checks each VM on-premises and honours createVmIfNotFound (issue 12)."""

from __future__ import annotations

from typing import Any

from scripts.failback_stack import FailbackStack, sample_request


def _plan(**overrides: Any) -> dict[str, Any]:
    return sample_request(
        "x", kind="recovery-plan", recoveryPlan="rp-hyperv", dataSync="before-failover", **overrides
    )


def test_a_plan_whose_vm_is_gone_on_premises_is_refused_before_any_change(stack: FailbackStack) -> None:
    stack.sim.control.vm("rp-app01", onprem="absent")
    report = stack.finish(stack.start_failback(_plan()))
    assert report["outcome"] == "rejected"
    failed = [c for c in report["preflight"]["checks"] if not c["passed"]]
    assert any(
        "rp-app01" in c["id"] + c["rule"] + c["evidence"] and "createVmIfNotFound" in c["evidence"]
        for c in failed
    ), failed
    assert stack.writes() == {}
