"""Finish from wherever ASR is (issue 12, part 4): a new request adopts an item past the switchover.

Each stage is reached the way an operator meets it — a run left for manual work after a failed
verification (commit pending), a run that committed without re-protect (restore finalized) — then
a new request for the item completes the rest, with one ASR write of each kind in all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from activities import operations
from activities.asr_common import Vault
from activities.items import find_rpi
from clients.settings import Settings
from domain.items import item_facts, item_ref
from scripts.failback_stack import VAULT, WORKSPACE_ID, FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish, assert_clean

QUERY = "AppHealth | where Computer == 'web01' and Status == 'OK'"
APPROVER = {"x-ms-client-principal-name": "ops-lead@contoso.example"}


def _app_health(stack: FailbackStack, ok: bool) -> None:
    rows = [["web01"]] if ok else []
    stack.sim.control.logs(
        query=QUERY, table={"columns": [{"name": "Computer", "type": "string"}], "rows": rows}
    )


def _settings(stack: FailbackStack) -> Settings:
    return Settings.from_env(stack.sim.app_settings())


def _as_operator(stack: FailbackStack) -> dict[str, Any]:
    """What an operator's script sends ASR for web01 (the same SDK calls the app makes)."""
    rpi = find_rpi(Vault(VAULT, _settings(stack)), {"friendlyName": "web01"})
    return {"vault": dict(VAULT), "item": item_ref(item_facts(rpi)), "now": stack.clock.now().isoformat()}


def _protection_state(stack: FailbackStack) -> str:
    rpi = find_rpi(Vault(VAULT, _settings(stack)), {"friendlyName": "web01"})
    return str(item_facts(rpi)["protectionState"])


def _left_commit_pending(stack: FailbackStack) -> None:
    _app_health(stack, ok=False)
    first = stack.start_failback(sample_request(verification=_verification()))
    stack.drive_to(first, awaiting="approval")
    assert stack.decide(first, "approved").status_code == 200
    stack.drive_to(first, step="awaiting commit-anyway approval")  # the commit-anyway gate
    left = stack.post(f"/api/failbacks/{first}/verification", {"decision": "leave-manual"}, APPROVER)
    assert left.status_code == 200, left.text
    assert stack.finish(first)["outcome"] == "left-manual"
    _app_health(stack, ok=True)


def _adopted(stack: FailbackStack, stage_words: str) -> dict[str, Any]:
    report = stack.finish(stack.start_failback(sample_request(verification=_verification())), timeout=150)
    assert report["outcome"] == "succeeded", report.get("error")
    adopted = next(c for c in report["preflight"]["checks"] if c["id"] == "ADOPTED")
    assert stage_words in adopted["evidence"], adopted
    return report


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
    stack.drive_to(first, step="awaiting commit-anyway approval")  # the commit-anyway gate
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


def test_a_commit_started_outside_the_product_is_followed_then_reprotected(stack: FailbackStack) -> None:
    _left_commit_pending(stack)
    operations.commit(_as_operator(stack), _settings(stack))  # an operator commits in the portal
    _adopted(stack, "commit running")
    assert_clean(stack)


def test_a_reprotect_started_outside_the_product_is_followed_until_protected(stack: FailbackStack) -> None:
    assert approve_and_finish(stack, stack.start_failback(sample_request(reverseReplication=False)))
    operations.reverse(_as_operator(stack), _settings(stack))
    _adopted(stack, "reverse replication running")
    assert_clean(stack)


def test_an_initial_replication_under_way_is_waited_on_until_protected(stack: FailbackStack) -> None:
    assert approve_and_finish(stack, stack.start_failback(sample_request(reverseReplication=False)))
    operations.reverse(_as_operator(stack), _settings(stack))
    for _ in range(240):  # the re-protect job ends, the initial replication goes on (R9)
        if _protection_state(stack) == "InitialReplicationInProgress":
            break
        stack.clock.advance(timedelta(seconds=30))
    assert _protection_state(stack) == "InitialReplicationInProgress"
    _adopted(stack, "initial replication under way")
    assert_clean(stack)


def test_a_switchover_resumed_outside_the_product_is_followed_to_the_end(stack: FailbackStack) -> None:
    from azure.mgmt.recoveryservicessiterecovery import models

    from clients.asr import site_recovery_client
    from tests.e2e.test_adopt_e2e import _start_failback_outside_the_app

    job = _start_failback_outside_the_app(stack, "web01", "ForDownTime")
    client = site_recovery_client(VAULT["subscriptionId"], _settings(stack))
    args = (VAULT["resourceGroup"], VAULT["name"])
    for _ in range(480):  # sync phase 1 until ASR suspends the job for the switchover
        if client.replication_jobs.get(*args, job).properties.state == "Suspended":
            break
        stack.clock.advance(timedelta(seconds=30))
    params = models.ResumeJobParams(properties=models.ResumeJobParamsProperties(comments="by hand"))
    client.replication_jobs.begin_resume(*args, job, params, polling=False)  # the operator resumes it
    report = stack.finish(stack.start_failback(sample_request()), timeout=150)
    assert report["outcome"] == "succeeded", report.get("error")
    assert any(j["jobId"] == job and j.get("adopted") for j in report["asrJobs"]), report["asrJobs"]
    assert_clean(stack)
