"""Verification holds when Log Analytics shows both copies alive (issue 12, part 8).

The Azure copy still sending heartbeats after the switchover (someone started it again) means two
copies of the VM run: the run must not commit or report success; it holds for a person.
"""

from __future__ import annotations

from activities.verify import azure_copy_query
from scripts.failback_stack import FailbackStack, sample_request
from tests.e2e.conftest import assert_clean


def test_an_azure_copy_still_beating_holds_the_run_before_the_commit(stack: FailbackStack) -> None:
    columns = [
        {"name": "ComputerEnvironment", "type": "string"},
        {"name": "TimeGenerated", "type": "datetime"},
    ]
    beat = stack.clock.now().isoformat()
    stack.sim.control.logs(
        query=azure_copy_query("web01"),
        table={"columns": columns, "rows": [["Azure", beat], ["Non-Azure", beat]]},
    )
    run_id = stack.start_failback(sample_request())
    stack.drive_to(run_id, awaiting="approval")
    assert stack.decide(run_id, "approved").status_code == 200
    held = stack.drive_to(run_id, step="awaiting commit-anyway approval")  # the commit-anyway gate
    assert held["phase"] == "verify" and "azure-copy-off" in held["message"]
    assert stack.writes().get("write items.failover_commit", 0) == 0  # nothing deleted while both run
    left = stack.post(
        f"/api/failbacks/{run_id}/verification",
        {"decision": "leave-manual"},
        {"x-ms-client-principal-name": "ops-lead@contoso.example"},
    )
    assert left.status_code == 200, left.text
    report = stack.finish(run_id)
    assert report["outcome"] == "left-manual"
    copy = next(c for c in report["verification"]["checks"] if c["name"] == "azure-copy-off")
    assert copy["passed"] is False and "both copies run" in copy["evidence"]
    assert_clean(stack, failover_commit=0, reprotect=0)
