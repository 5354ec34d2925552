"""The failback end to end: HTTP -> local host -> orchestrator -> activities -> simulator (W1-W3, H1-H10).

Every test ends with the simulator's invariants empty and each ASR operation issued
exactly once (or not at all where the run must stop before it).
"""

from __future__ import annotations

from typing import Any

import pytest

from scripts.failback_stack import FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish, assert_clean


def _item(stack: FailbackStack, friendly: str) -> dict[str, Any]:
    state = stack.sim.control.state()
    return next(i for i in state["items"] if i.get("friendlyName") == friendly or i.get("vm") == friendly)


def test_before_failover_happy_path_through_http_and_the_approval_page_H3a_W1_W2(stack: FailbackStack) -> None:
    response = stack.post("/api/failbacks", sample_request(), {"x-ms-client-principal-name": "alice"})
    assert response.status_code == 202
    body = response.json()
    assert response.headers["Location"].endswith(f"/api/failbacks/{body['id']}")
    assert int(response.headers["Retry-After"]) > 0
    assert set(body) == {"id", "statusUrl", "existing"}  # no system keys or sendEvent URLs
    run_id = body["id"]
    waiting = stack.drive_to(run_id, awaiting="approval")
    assert waiting["phase"] == "approval" and waiting["jobId"]
    assert stack.get(f"/api/failbacks/{run_id}").status_code == 202
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded"
    assert report["initiator"] == "alice"
    assert [j["operation"] for j in report["asrJobs"]] == ["sync", "commit", "reprotect"]
    assert report["downtimeSeconds"] and report["downtimeSeconds"] > 0
    assert report["decisions"][0]["decision"] == "approved"
    final = stack.get(f"/api/failbacks/{run_id}")
    assert final.status_code == 200 and final.json()["outcome"] == "succeeded"
    assert_clean(stack)
