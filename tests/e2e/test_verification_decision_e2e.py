"""Commit anyway after a failed verification is an approver's decision (issue 12, part 2).

The decider is the signed-in caller, never the body's ``by``; the run's approval policy applies
(approver list, four-eyes); two decisions raced at once: the run takes one and each caller is told
which.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from scripts.failback_stack import WORKSPACE_ID, FailbackStack, sample_request
from tests.e2e.conftest import assert_clean

LEAD, SECOND, INITIATOR = "ops-lead@contoso.example", "ops-2@contoso.example", "alice@contoso.example"
WHO = "x-ms-client-principal-name"


def _held_run(stack: FailbackStack) -> str:
    query = "AppHealth | where Computer == 'web01' and Status == 'OK'"
    stack.sim.control.logs(
        query=query, table={"columns": [{"name": "Computer", "type": "string"}], "rows": []}
    )
    verification = {
        "workspaceId": WORKSPACE_ID,
        "computer": "web01",
        "windowMinutes": 10,
        "checks": [{"name": "app-ok", "query": query}],
    }
    approval = {"approvers": [LEAD, SECOND], "timeoutHours": 8, "fourEyes": True}
    run_id = stack.start_failback(sample_request(verification=verification, approval=approval), INITIATOR)
    stack.drive_to(run_id, awaiting="approval")
    assert stack.decide(run_id, "approved").status_code == 200
    stack.drive_to(run_id, awaiting="verification-decision")
    return run_id


def _decide(
    stack: FailbackStack, run_id: str, decision: str, who: str | None, **body: Any
) -> requests.Response:
    headers = {WHO: who} if who else {}
    return stack.post(f"/api/failbacks/{run_id}/verification", {"decision": decision, **body}, headers)


def test_commit_anyway_follows_the_approval_policy_and_records_the_signed_in_approver(
    stack: FailbackStack,
) -> None:
    run_id = _held_run(stack)
    own = _decide(stack, run_id, "commit-anyway", INITIATOR)
    assert own.status_code == 403 and "four-eyes" in own.json()["detail"]
    stranger = _decide(stack, run_id, "commit-anyway", "mallory@contoso.example")
    assert stranger.status_code == 403 and "not on the approver list" in stranger.json()["detail"]
    assert own.headers["content-type"].startswith("application/problem+json")
    assert stack.writes().get("write items.failover_commit", 0) == 0  # nothing committed yet
    taken = _decide(stack, run_id, "commit-anyway", LEAD, by=INITIATOR)  # the body's "by" is not believed
    assert taken.status_code == 200, taken.text
    assert taken.json()["yours"] is True and taken.json()["by"] == LEAD
    report = stack.finish(run_id)
    assert report["outcome"] == "succeeded"
    decision = [d for d in report["decisions"] if d.get("gate") == "verification-decision"][-1]
    assert decision["by"] == LEAD
    assert_clean(stack)


def test_commit_anyway_and_leave_manual_raced_one_is_taken_and_each_caller_is_told(
    stack: FailbackStack,
) -> None:
    run_id = _held_run(stack)
    barrier = threading.Barrier(2)

    def post(call: tuple[str, str]) -> requests.Response:
        barrier.wait(timeout=30)
        return _decide(stack, run_id, *call)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(post, [("commit-anyway", LEAD), ("leave-manual", SECOND)]))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()
    loser = next(a for a in answers if a.status_code == 409).json()
    assert loser["decided"] == winner["decision"] and loser["decidedBy"] == winner["by"]
    report = stack.finish(run_id)
    assert report["outcome"] == ("succeeded" if winner["decision"] == "commit-anyway" else "left-manual")
    commits = 1 if winner["decision"] == "commit-anyway" else 0
    assert_clean(stack, failover_commit=commits, reprotect=commits)
