"""The failback end to end: HTTP -> local host -> orchestrator -> activities -> simulator (W1-W3, H1-H10).

Every test ends with the simulator's invariants empty and each ASR operation issued
exactly once (or not at all where the run must stop before it).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.items import parse_time
from scripts.failback_stack import FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish, assert_clean


def _item(stack: FailbackStack, friendly: str) -> dict[str, Any]:
    state = stack.sim.control.state()
    return next(i for i in state["items"] if i.get("friendlyName") == friendly or i.get("vm") == friendly)


def test_before_failover_happy_path_through_http_and_the_approval_page_H3a_W1_W2(
    stack: FailbackStack,
) -> None:
    response = stack.post("/api/failbacks", sample_request(), {"x-ms-client-principal-name": "alice"})
    assert response.status_code == 202
    body = response.json()
    assert f"/api/runs/{body['id']}/status?" in response.headers["Location"]  # signed, keyless
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


def test_during_failover_asks_approval_before_the_shutdown_H3b(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request(dataSync="during-failover"))
    waiting = stack.drive_to(run_id, awaiting="approval")
    assert waiting["jobId"] is None  # nothing started in ASR before the approval
    assert stack.writes() == {}
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded"
    assert report["dataSync"]["asrDataSyncOption"] == "ForSynchronization"
    assert_clean(stack, resume=0)


def test_alternate_location_creates_the_vm_on_the_named_host_H9(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request(location="alternate", targetHost="hv-host-02"))
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded", report.get("error")
    assert report["location"] == "alternate"
    assert_clean(stack)


@pytest.mark.parametrize(
    ("vm", "overrides", "rule"),
    [
        ("legacy01", {}, "H2a"),
        ("db01", {}, "H2b"),
        ("file01", {}, "H2c"),
        ("app01", {"location": "alternate", "targetHost": "hv-host-02"}, "H2d"),
        ("lin01", {}, "active"),
    ],
)
def test_each_preflight_failure_rejects_with_its_reason_and_changes_nothing_H2(
    stack: FailbackStack, vm: str, overrides: dict[str, Any], rule: str
) -> None:
    run_id = stack.start_failback(sample_request(vm, **overrides))
    report = stack.finish(run_id)
    assert report["outcome"] == "rejected"
    assert report["error"]["code"] == "PREFLIGHT_FAILED"
    failed = [c for c in report["preflight"]["checks"] if not c["passed"]]
    assert any(rule.lower() in (c["id"] + " " + c["rule"]).lower() for c in failed), failed
    assert stack.writes() == {}
    assert stack.invariants() == []


def test_a_failed_preflight_reads_in_japanese_on_the_status_page_H2c(stack: FailbackStack) -> None:
    """H2c (issue 13): the check recorded in English is shown in the reader's language, English kept."""
    run_id = stack.start_failback(sample_request("file01"))
    report = stack.finish(run_id)
    check = next(c for c in report["preflight"]["checks"] if c["id"] == "H2c")
    assert not check["passed"] and check["evidence"].startswith("protectionState=")
    assert check["remedy"] == "Commit the failover to Azure first (the item must allow 'Failback')."
    page = stack.get(f"/api/failbacks/{run_id}?format=html&lang=ja").text
    assert "Azure へのフェールオーバーがコミット済みであること" in page
    assert "保護状態 protectionState=" in page
    assert "先に Azure へのフェールオーバーをコミットしてください" in page
    english = stack.get(f"/api/failbacks/{run_id}?format=html&lang=en").text
    assert "The failover to Azure was committed" in english and "保護状態" not in english
    assert stack.writes() == {}


def test_encrypted_vmm_cloud_needs_its_certificate_H4(stack: FailbackStack) -> None:
    missing = stack.finish(stack.start_failback(sample_request("fin01")))
    assert missing["outcome"] == "rejected"
    assert any(c["id"] == "H4" and not c["passed"] for c in missing["preflight"]["checks"])
    thumbprint = "7A1B2C3D4E5F60718293A4B5C6D7E8F901234567"  # the simulator's vmm-secure certificate
    run_id = stack.start_failback(sample_request("fin01", encryptionCertificate={"thumbprint": thumbprint}))
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded", report.get("error")
    assert_clean(stack)


@pytest.mark.parametrize(
    ("first_item", "second_item", "when"),
    [
        ({"friendlyName": "web01"}, {"name": "rpi-web01"}, {"phase": "sync"}),
        ({"name": "rpi-web01"}, {"friendlyName": "WEB01"}, {"awaiting": "approval"}),
    ],
)
def test_a_second_request_naming_the_item_the_other_way_gets_the_existing_run(
    stack: FailbackStack, first_item: dict[str, str], second_item: dict[str, str], when: dict[str, str]
) -> None:
    """One run per protected item, whether it is named by VM friendly name or ASR name (issue 4)."""
    first = stack.start_failback(sample_request(item=first_item))
    stack.drive_to(first, **when)
    again = stack.post("/api/failbacks", sample_request(item=second_item))
    assert again.status_code == 202, again.text
    assert again.json()["id"] == first and again.json()["existing"] is True
    assert f"/api/runs/{first}/status?" in again.headers["Location"]
    report = approve_and_finish(stack, first)
    assert report["outcome"] == "succeeded", report.get("error")
    assert_clean(stack)  # exactly one planned failover (and one of each later operation) reached ASR


def test_auto_recommends_a_full_download_after_a_long_stay_and_recreates_the_vm_H3b(
    stack: FailbackStack,
) -> None:
    run_id = stack.start_failback(sample_request("old01", dataSync="auto", createVmIfNotFound=True))
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded", report.get("error")
    assert report["dataSync"]["source"] == "recommendation"
    assert report["dataSync"]["dataSyncOption"] == "during-failover"
    assert "H3b" in report["dataSync"]["reason"]
    assert_clean(stack, resume=0)


def test_dry_run_answers_the_plan_and_changes_nothing(stack: FailbackStack) -> None:
    response = stack.post("/api/failbacks", sample_request(dryRun=True))
    assert response.status_code == 200, response.text
    plan = response.json()["plan"]
    assert plan["wouldStart"] is True
    assert [p["name"] for p in plan["phases"]][:3] == ["preflight", "sync", "approval"]
    assert plan["expectedDowntime"]["seconds"] > 0
    assert stack.writes() == {}


def test_invalid_request_gets_every_reason_as_problem_json(stack: FailbackStack) -> None:
    response = stack.post(
        "/api/failbacks", {"vault": {"name": "vault-dr"}, "dataSync": "sometimes", "bogus": 1}
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert len(errors) >= 4
    assert any("dataSync" in e for e in errors) and any("bogus" in e for e in errors)


def test_one_run_per_item_a_second_request_gets_the_existing_run(stack: FailbackStack) -> None:
    first = stack.start_failback(sample_request())
    again = stack.post("/api/failbacks", sample_request())
    assert again.status_code == 202
    assert again.json()["id"] == first and again.json()["existing"] is True
    assert f"/api/runs/{first}/status?" in again.headers["Location"]
    approve_and_finish(stack, first)
    assert_clean(stack)


def test_unknown_run_is_a_404_problem(stack: FailbackStack) -> None:
    response = stack.get("/api/failbacks/fb-vault-dr-nothing-20260101000000")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")


# ----------------------------------------------------------------- ASR job failures


@pytest.mark.parametrize(
    ("phase", "task", "after"),
    [
        ("sync", "SynchronizeDataBeforeFailover", {"resume": 0, "failover_commit": 0, "reprotect": 0}),
        ("switchover", "SynchronizeData", {"failover_commit": 0, "reprotect": 0}),
        ("commit", "CommitFailover", {"reprotect": 0}),
        ("reprotect", "EnableProtectionTask", {}),
    ],
)
def test_a_failed_asr_job_stops_the_run_before_the_next_destructive_step(
    stack: FailbackStack, phase: str, task: str, after: dict[str, int]
) -> None:
    stack.sim.control.fault(
        kind="job_failure", task=task, vm="web01", code="70094", message="injected failure"
    )
    run_id = stack.start_failback(sample_request())
    report = stack.finish(run_id) if phase == "sync" else approve_and_finish(stack, run_id)
    assert report["outcome"] == "failed"
    assert report["error"]["code"] == "ASR_JOB_FAILED"
    assert "70094" in report["error"]["message"]
    assert report["error"]["remedy"]
    assert_clean(stack, **after)


# ----------------------------------------------------------------- approval gate (W2)


def test_rejection_keeps_the_azure_vm_and_a_new_failback_can_start_W2_H10(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request())
    stack.drive_to(run_id, awaiting="approval")
    assert stack.decide(run_id, "rejected", comment="not tonight").status_code == 200
    report = stack.finish(run_id)
    assert report["outcome"] == "not-approved"
    assert "cancelled" in report["message"]
    assert_clean(stack, resume=0, failover_commit=0, reprotect=0)
    rehearsal = stack.post("/api/failbacks", sample_request(dryRun=True))
    assert rehearsal.status_code == 200 and rehearsal.json()["plan"]["wouldStart"] is True


def test_approval_timeout_is_a_safe_outcome_W2(stack: FailbackStack) -> None:
    run_id = stack.start_failback(
        sample_request(approval={"approvers": ["ops@contoso.example"], "timeoutHours": 1})
    )
    report = stack.finish(run_id)
    assert report["outcome"] == "not-approved"
    assert report["decisions"][0]["decision"] == "timeout"
    assert_clean(stack, resume=0, failover_commit=0, reprotect=0)


def test_early_approval_waits_for_the_maintenance_window_with_a_durable_timer(stack: FailbackStack) -> None:
    opens = stack.clock.now() + timedelta(hours=6)
    window = {"start": opens.isoformat(), "end": (opens + timedelta(hours=4)).isoformat()}
    run_id = stack.start_failback(sample_request(maintenanceWindow=window))
    stack.drive_to(run_id, awaiting="approval")
    assert stack.decide(run_id, "approved").status_code == 200
    waiting = stack.drive_to(run_id, awaiting="window")
    assert waiting["phase"] == "window"
    assert stack.writes().get("write jobs.resume", 0) == 0
    report = stack.finish(run_id)
    assert report["outcome"] == "succeeded"
    shutdown = next(e for e in report["timeline"] if e["event"] == "azure-vm-shutdown")
    assert parse_time(shutdown["at"]) >= opens
    assert_clean(stack)


# ----------------------------------------------------------------- cancel (H10)


def test_cancel_during_data_sync_is_refused_with_the_reason_H10(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request())
    stack.drive_to(run_id, phase="sync", step="waiting-for-job")
    response = stack.post(f"/api/failbacks/{run_id}/cancel", {"reason": "changed my mind"})
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "CANCEL_REFUSED_DATA_SYNC"
    assert "H10" in response.json()["detail"]
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded"
    assert_clean(stack)


def test_cancel_while_awaiting_approval_is_accepted(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request())
    stack.drive_to(run_id, awaiting="approval")
    response = stack.post(f"/api/failbacks/{run_id}/cancel", {"reason": "window moved"})
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] is True
    report = stack.finish(run_id)
    assert report["outcome"] == "cancelled"
    assert_clean(stack, resume=0, failover_commit=0, reprotect=0)


# ----------------------------------------------------------------- verification (H6)


def _failing_check(stack: FailbackStack) -> dict[str, Any]:
    query = "AppHealth | where Computer == 'web01' and Status == 'OK'"
    stack.sim.control.logs(
        query=query, table={"columns": [{"name": "Computer", "type": "string"}], "rows": []}
    )
    return {"name": "app-ok", "query": query}


@pytest.mark.parametrize(
    ("decision", "outcome", "commits"),
    [("leave-manual", "left-manual", 0), ("commit-anyway", "succeeded", 1)],
)
def test_failed_verification_holds_for_a_person_and_never_commits_by_itself_H6(
    stack: FailbackStack, decision: str, outcome: str, commits: int
) -> None:
    verification = {
        "workspaceId": "11111111-2222-3333-4444-555555555555",
        "computer": "web01",
        "windowMinutes": 10,
        "checks": [_failing_check(stack)],
    }
    run_id = stack.start_failback(sample_request(verification=verification))
    stack.drive_to(run_id, awaiting="approval")
    stack.decide(run_id, "approved")
    held = stack.drive_to(run_id, step="awaiting commit-anyway approval")  # the commit-anyway gate
    assert held["phase"] == "verify"
    assert stack.writes().get("write items.failover_commit", 0) == 0
    early = stack.post(f"/api/failbacks/{run_id}/verification", {"decision": "maybe"})
    assert early.status_code == 400
    response = stack.post(
        f"/api/failbacks/{run_id}/verification",
        {"decision": decision, "comment": "checked"},
        {"x-ms-client-principal-name": "ops-lead@contoso.example"},  # an approver of the run
    )
    assert response.status_code == 200, response.text
    report = stack.finish(run_id)
    assert report["outcome"] == outcome
    assert report["decisions"][-1]["by"] == "ops-lead@contoso.example"
    assert_clean(stack, failover_commit=commits, reprotect=commits)


# ----------------------------------------------------------------- ARM faults


def test_arm_throttling_and_outages_are_retried_without_a_second_operation(stack: FailbackStack) -> None:
    stack.sim.control.fault(kind="status", status=503, path="plannedFailover", method="POST")
    stack.sim.control.fault(kind="throttle", path="replicationJobs", retry_after=1, count=3)
    stack.sim.control.fault(kind="status", status=500, path="failoverCommit", method="POST")
    run_id = stack.start_failback(sample_request())
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded"
    assert stack.sim.control.state()["faults"]["http"] == []  # every fault was hit
    assert_clean(stack)


# ----------------------------------------------------------------- host killed and restarted


@pytest.mark.parametrize(
    "phase", ["preflight", "sync", "approval", "switchover", "verify", "commit", "reprotect"]
)
def test_host_restarted_in_every_phase_resumes_the_run_W5(stack: FailbackStack, phase: str) -> None:
    run_id = stack.start_failback(sample_request())
    before_approval = phase in ("preflight", "sync", "approval")
    if phase == "preflight":
        stack.restart_host()  # while the pre-flight activity may still run
    elif phase == "sync":
        stack.drive_to(run_id, phase="sync", step="waiting-for-job")
        stack.restart_host()
    stack.drive_to(run_id, awaiting="approval")
    if phase == "approval":
        stack.restart_host()
    assert stack.decide(run_id, "approved").status_code == 200
    if not before_approval:
        seen = stack.drive_to(run_id, phase=phase)
        assert seen["phase"] == phase, seen
        stack.restart_host()
    report = stack.finish(run_id)
    assert report["outcome"] == "succeeded"
    assert_clean(stack)


def test_reverse_replication_waits_for_protection_within_the_rpo_sla_and_reports_it_R9_R10(
    stack: FailbackStack,
) -> None:
    run_id = stack.start_failback(
        sample_request(dataSync="during-failover", reverseReplication={"enabled": True, "rpoSlaMinutes": 5})
    )
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded", report.get("error")
    protection = report["reverseReplication"]
    assert protection["protected"] and protection["withinSla"] and not protection["timedOut"]
    assert protection["rpoSeconds"] <= protection["rpoSlaSeconds"] == 300
    # 127 GB replicate again before Protected (R9), then the RPO falls below 5 minutes
    assert protection["secondsToWithinSla"] >= protection["secondsToProtected"] > 600
    assert "warnings" not in report
    assert_clean(stack, resume=0)


def test_reverse_replication_past_the_wait_bound_ends_succeeded_with_a_warning_R9(
    stack: FailbackStack,
) -> None:
    stack.sim.control.settings(rates={"rpo_floor_s": 900})  # the RPO never gets below 15 minutes
    run_id = stack.start_failback(
        sample_request(
            dataSync="during-failover",
            reverseReplication={"enabled": True, "rpoSlaMinutes": 5, "maxWaitHours": 2},
        )
    )
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded", report.get("error")  # the failback itself succeeded
    protection = report["reverseReplication"]
    assert protection["timedOut"] and not protection["withinSla"]
    assert protection["protectionState"] == "Protected" and protection["rpoSeconds"] >= 900
    assert "not protected to Azure as required yet" in report["warnings"][0]
    assert "Warning:" in report["message"]
    assert_clean(stack, resume=0)
