"""Finish from wherever ASR is (issue 12, part 4): a new request adopts an item past the switchover.

Each stage is reached the way an operator meets it — a run left for manual work after a failed
verification (commit pending), a run that committed without re-protect (restore finalized) — then
a new request for the item completes the rest, with one ASR write of each kind in all.
"""

from __future__ import annotations

from scripts.failback_stack import WORKSPACE_ID, FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish, assert_clean

QUERY = "AppHealth | where Computer == 'web01' and Status == 'OK'"
APPROVER = {"x-ms-client-principal-name": "ops-lead@contoso.example"}


def _app_health(stack: FailbackStack, ok: bool) -> None:
    rows = [["web01"]] if ok else []
    stack.sim.control.logs(
        query=QUERY, table={"columns": [{"name": "Computer", "type": "string"}], "rows": rows}
    )


def _verification() -> dict[str, object]:
    return {
        "workspaceId": WORKSPACE_ID,
        "computer": "web01",
        "windowMinutes": 10,
        "checks": [{"name": "app-ok", "query": QUERY}],
    }


def test_a_commit_pending_item_is_adopted_verified_committed_and_reprotected(stack: FailbackStack) -> None:
    _app_health(stack, ok=False)
    first = stack.start_failback(sample_request(verification=_verification()))
    stack.drive_to(first, awaiting="approval")
    assert stack.decide(first, "approved").status_code == 200
    stack.drive_to(first, awaiting="verification-decision")
    left = stack.post(f"/api/failbacks/{first}/verification", {"decision": "leave-manual"}, APPROVER)
    assert left.status_code == 200, left.text
    assert stack.finish(first)["outcome"] == "left-manual"  # switched over, not committed
    _app_health(stack, ok=True)  # the application was fixed by hand
    second = stack.start_failback(sample_request(item={"name": "rpi-web01"}, verification=_verification()))
    assert second != first
    report = stack.finish(second)
    assert report["outcome"] == "succeeded", report.get("error")
    adopted = next(c for c in report["preflight"]["checks"] if c["id"] == "ADOPTED")
    assert "commit" in adopted["evidence"] and "No new planned failover" in adopted["evidence"]
    assert_clean(stack)  # one planned failover, one resume, one commit, one re-protect in both runs


def test_a_committed_item_without_reverse_replication_is_adopted_and_reprotected(
    stack: FailbackStack,
) -> None:
    first = stack.start_failback(sample_request(reverseReplication=False))
    assert approve_and_finish(stack, first)["outcome"] == "succeeded"
    assert stack.writes().get("write items.reprotect", 0) == 0
    second = stack.start_failback(sample_request())
    report = stack.finish(second)
    assert report["outcome"] == "succeeded", report.get("error")
    adopted = next(c for c in report["preflight"]["checks"] if c["id"] == "ADOPTED")
    assert "committed" in adopted["evidence"]
    assert_clean(stack)
