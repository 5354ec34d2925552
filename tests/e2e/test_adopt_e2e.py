"""A failback already under way in ASR is adopted, not refused and not started twice (issue 4, H1).

The failback is started the way the portal or a run that died would have left it: a planned
failover RecoveryToPrimary sent straight to the simulator's ARM API with the real SDK. Then
``POST /api/failbacks`` for the same item must pass pre-flight ("adopting job <id>"), follow
that job and finish, with exactly one planned failover reaching ASR.
"""

from __future__ import annotations

from typing import Any

from activities.operations import failback_input
from clients.asr import site_recovery_client
from clients.settings import Settings
from domain.items import arm_segment, job_name_from_id
from scripts.failback_stack import VAULT, FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish, assert_clean


def _start_failback_outside_the_app(stack: FailbackStack, friendly: str, option: str) -> str:
    """Start the planned failover to on-premises through ARM (real SDK); its job name."""
    client = site_recovery_client(VAULT["subscriptionId"], Settings.from_env(stack.sim.app_settings()))
    args = (VAULT["resourceGroup"], VAULT["name"])
    item = next(
        i for i in client.replication_protected_items.list(*args) if i.properties.friendly_name == friendly
    )
    client.replication_protected_items.begin_planned_failover(
        *args,
        arm_segment(item.id, "replicationFabrics"),
        arm_segment(item.id, "replicationProtectionContainers"),
        item.name,
        failback_input(option, create_vm=False),
        polling=False,
    )
    running = client.replication_protected_items.get(
        *args,
        arm_segment(item.id, "replicationFabrics"),
        arm_segment(item.id, "replicationProtectionContainers"),
        item.name,
    )
    return job_name_from_id(running.properties.current_scenario.job_id)


def _check(report: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(c for c in report["preflight"]["checks"] if c["id"] == rule_id)


def test_a_failback_started_outside_the_run_is_adopted_and_completed_once(stack: FailbackStack) -> None:
    job_id = _start_failback_outside_the_app(stack, "web01", "ForDownTime")
    # "auto" would pick by the item's facts; the job under way already fixed the option.
    run_id = stack.start_failback(sample_request(dataSync="auto"))
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded", report.get("error")
    assert _check(report, "IDLE")["passed"] and _check(report, "IDLE")["evidence"].startswith(
        f"adopting job {job_id}"
    )
    assert _check(report, "H2c")["passed"]
    assert report["dataSync"]["source"] == "adopted-job"
    assert report["dataSync"]["dataSyncOption"] == "before-failover"
    sync_job = report["asrJobs"][0]
    assert sync_job == {"operation": "sync", "jobId": job_id, "adopted": True, "state": "Succeeded"}
    assert_clean(stack)  # exactly one planned failover, resume, commit and re-protect reached ASR


def test_a_full_download_failback_under_way_is_adopted_after_the_approval_H3b(stack: FailbackStack) -> None:
    job_id = _start_failback_outside_the_app(stack, "web01", "ForSynchronization")
    run_id = stack.start_failback(sample_request(dataSync="before-failover"))
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded", report.get("error")
    assert report["dataSync"]["dataSyncOption"] == "during-failover"
    assert (
        "before-failover" in report["dataSync"]["reason"]
    )  # the request's wish, and why it was not followed
    assert report["asrJobs"][0]["jobId"] == job_id and report["asrJobs"][0]["adopted"] is True
    assert_clean(stack, resume=0)
