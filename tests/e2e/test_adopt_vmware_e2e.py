"""Finish from wherever ASR is, for VMware classic items (issue 12, part 3; V1-V4, H1).

Each state is reached the way an operator meets it — a run left for manual work after a failed
verification (failed back, commit pending), a run without re-protect (committed on-premises, not
re-protected to Azure) — then a new request for the item completes the rest: one failover, one
commit and one re-protect back to Azure in both runs, the simulator's invariants empty.
"""

from __future__ import annotations

from typing import Any

from scripts.failback_stack import WORKSPACE_ID, FailbackStack, sample_request
from tests.variants.e2e_helpers import approve, approve_and_finish

VM = "vmw-win01"
QUERY = f"AppHealth | where Computer == '{VM}' and Status == 'OK'"
APPROVER = {"x-ms-client-principal-name": "ops-lead@contoso.example"}


def _request(**overrides: Any) -> dict[str, Any]:
    verification = {
        "workspaceId": WORKSPACE_ID,
        "computer": VM,
        "windowMinutes": 10,
        "checks": [{"name": "app-ok", "query": QUERY}],
    }
    return sample_request(VM, kind="vmware-classic", dataSync="auto", verification=verification, **overrides)


def _app_health(stack: FailbackStack, ok: bool) -> None:
    rows = [[VM]] if ok else []
    stack.sim.control.logs(
        query=QUERY, table={"columns": [{"name": "Computer", "type": "string"}], "rows": rows}
    )


def _reprotects(report: dict[str, Any]) -> list[str]:
    return [j["state"] for j in report["asrJobs"] if j["operation"] == "reprotect"]


def _adopted(stack: FailbackStack, words: str) -> dict[str, Any]:
    report = stack.finish(stack.start_failback(_request()), timeout=150)
    assert report["outcome"] == "succeeded", report.get("error")
    adopted = next(c for c in report["preflight"]["checks"] if c["id"] == "ADOPTED")
    assert words in adopted["evidence"] and "No new" in adopted["evidence"], adopted
    ops = [j["operation"] for j in report["asrJobs"]]
    assert "sync" not in ops and "switchover" not in ops, ops  # nothing before the commit again
    assert _reprotects(report)[-1] == "Succeeded", report["asrJobs"]
    return report


def _assert_once(stack: FailbackStack) -> None:
    """One failover and one commit in both runs; no re-protect write beyond the first run's plus one back."""
    writes = stack.writes()
    assert writes.get("write items.unplanned_failover", 0) == 1, writes
    assert writes.get("write items.planned_failover", 0) == 0, writes
    assert writes.get("write items.failover_commit", 0) == 1, writes
    assert stack.invariants() == []


def test_a_classic_item_left_commit_pending_is_adopted_verified_committed_and_reprotected(
    stack: FailbackStack,
) -> None:
    """V1-V4 / H1: failed back, commit pending → verify, commit, re-protect to Azure, no second failover."""
    _app_health(stack, ok=False)
    first = stack.start_failback(_request())
    stack.drive_to(first, awaiting="approval", timeout=90)
    approve(stack, first)
    stack.drive_to(first, step="awaiting commit-anyway approval", timeout=120)
    left = stack.post(f"/api/failbacks/{first}/verification", {"decision": "leave-manual"}, APPROVER)
    assert left.status_code == 200, left.text
    assert stack.finish(first, timeout=120)["outcome"] == "left-manual"  # on-premises, not committed
    before = stack.writes().get("write items.reprotect", 0)
    _app_health(stack, ok=True)  # the application was fixed by hand
    report = _adopted(stack, "waiting for its commit")
    assert [j["operation"] for j in report["asrJobs"]][:1] == ["commit"], report["asrJobs"]
    _assert_once(stack)
    # the second run re-protected to Azure only (V4 may retry it while the on-prem agent registers)
    assert stack.writes().get("write items.reprotect", 0) - before == len(_reprotects(report))


def test_a_classic_item_committed_without_reprotect_is_adopted_and_reprotected(stack: FailbackStack) -> None:
    """V1-V4 / H1: committed on-premises, not re-protected → re-protect to Azure only."""
    _app_health(stack, ok=True)
    first = stack.start_failback(_request(reverseReplication=False))
    assert approve_and_finish(stack, first)["outcome"] == "succeeded"
    before = stack.writes().get("write items.reprotect", 0)
    report = _adopted(stack, "committed on-premises and not re-protected")
    assert {j["operation"] for j in report["asrJobs"]} == {"reprotect"}, report["asrJobs"]
    _assert_once(stack)
    assert stack.writes().get("write items.reprotect", 0) - before == len(_reprotects(report))


def test_a_classic_item_back_on_azure_protection_is_refused_with_its_state(stack: FailbackStack) -> None:
    """V3: an item already failed back and re-protected is refused, saying where it is (no false remedy)."""
    _app_health(stack, ok=True)
    assert approve_and_finish(stack, stack.start_failback(_request()))["outcome"] == "succeeded"
    report = stack.finish(stack.start_failback(_request()))
    assert report["outcome"] != "succeeded"
    state = next(c for c in report["preflight"]["checks"] if c["id"] == "V3-state")
    assert not state["passed"] and "nothing to fail back" in state["remedy"], state
    assert "Commit the failover to Azure" not in state["remedy"]
    assert "InMageAzureV2" in state["remedy"] and "Primary" in state["remedy"]
