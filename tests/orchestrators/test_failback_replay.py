"""Replay tests of ``failback_orchestrator``: every branch, driven through the SDK's JSON protocol.

Activities and sub-orchestrators are scripted (tests/orchestrators/scenario.py); the
orchestrator itself is the registered function, replayed from history each episode.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from domain.poll_plan import verify_wait
from tests.orchestrators.replay import T0, ScriptedHost
from tests.orchestrators.scenario import FakeAsr, failback_error, request

ASR_CHANGES = {"start_failback", "resume_job", "commit_failover", "reverse_replicate", "cancel_job"}


def _asr_changes(host: ScriptedHost) -> list[str]:
    return [n for n in host.activity_names() if n in ASR_CHANGES]


def _events(report: dict[str, Any], event: str) -> list[dict[str, Any]]:
    return [e for e in report["timeline"] if e["event"] == event]


def _raise_when(name: str, payload: dict[str, Any], **status: Any):
    """A hook raising ``name`` once, the first time the custom status matches ``status``."""
    fired: list[bool] = []

    def hook(host: ScriptedHost, current: Any) -> None:
        if fired or not current:
            return
        if all(current.get(k) == v for k, v in status.items()):
            fired.append(True)
            host.raise_event(name, payload)

    return hook


# ----------------------------------------------------------------- pre-flight and dry run


def test_failed_preflight_ends_rejected_with_reasons_and_changes_nothing_H2() -> None:
    asr = FakeAsr(preflight_passed=False)
    host = asr.host(request()).run()
    report = host.output
    assert report["outcome"] == "rejected"
    assert report["error"]["code"] == "PREFLIGHT_FAILED"
    assert "host hv01 disconnected" in report["error"]["message"]
    assert host.activity_names() == ["preflight", "seal_report"]  # nothing changed in ASR; the record sealed
    assert report["preflight"]["passed"] is False


def test_dry_run_returns_the_plan_after_preflight_and_changes_nothing() -> None:
    host = FakeAsr().host(request(dryRun=True)).run()
    report = host.output
    assert report["outcome"] == "dry-run"
    assert host.activity_names() == ["preflight", "seal_report"]
    names = [p["name"] for p in report["plan"]["phases"]]
    assert names == ["preflight", "sync", "approval", "switchover", "verify", "commit", "reprotect", "report"]
    assert report["plan"]["expectedDowntime"]["seconds"] > 0
    assert report["plan"]["approvalsNeeded"][0]["gate"] == "switchover"


# ----------------------------------------------------------------- happy paths and order


def test_before_failover_runs_the_seed_steps_in_order_H3a_W1() -> None:
    asr = FakeAsr()
    host = asr.host(request(dataSync="before-failover")).run()
    assert host.activity_names() == [
        "preflight",
        "start_failback",
        "wait_for_asr_job",
        "approval_gate",
        "resume_job",
        "wait_for_asr_job",
        "verify_onprem",
        "commit_failover",
        "wait_for_asr_job",
        "reverse_replicate",
        "wait_for_asr_job",
        "seal_report",  # the record is signed when the run ends (the key stays in the activity)
    ]
    start = dict(host.calls)["start_failback"]
    assert start["dataSyncOption"] == "ForDownTime"
    assert start["item"] == {"fabric": "hv-site", "container": "cloud", "name": "vm-item"}
    resume = dict(host.calls)["resume_job"]
    assert resume["jobId"] == "failover-1"  # the suspended sync job is resumed, not a new failover
    report = host.output
    assert report["outcome"] == "succeeded"
    assert [j["operation"] for j in report["asrJobs"]] == ["sync", "commit", "reprotect"]
    assert report["downtimeSeconds"] is not None
    assert [d["decision"] for d in report["decisions"]] == ["approved"]
    assert host.statuses[-1]["phase"] == "report" and host.statuses[-1]["awaiting"] is None
    assert not host.timers  # nothing left scheduled: the run completes in the real host too


def test_sync_job_waits_stop_at_suspended_and_reverse_replication_waits_until_protected_H8() -> None:
    host = FakeAsr().host(request()).run()
    waits = [p for n, p in host.calls if n == "wait_for_asr_job"]
    assert [(w["phase"], w["stopWhenSuspended"], w["untilProtected"]) for w in waits] == [
        ("sync", True, False),
        ("switchover", False, False),
        ("commit", False, False),
        ("reprotect", False, True),
    ]


def test_during_failover_asks_approval_before_starting_because_it_shuts_down_at_once_H3b() -> None:
    host = FakeAsr().host(request(dataSync="during-failover")).run()
    names = host.activity_names()
    assert names.index("approval_gate") < names.index("start_failback")
    assert "resume_job" not in names
    assert dict(host.calls)["start_failback"]["dataSyncOption"] == "ForSynchronization"
    assert host.output["outcome"] == "succeeded"
    shutdown = _events(host.output, "azure-vm-shutdown")[0]
    started = _events(host.output, "job-started")[0]
    assert shutdown["phase"] == started["phase"] == "switchover"


def test_auto_resolves_the_option_and_keeps_the_reason_H3b() -> None:
    host = FakeAsr().host(request(dataSync="auto")).run()
    assert host.output["dataSync"]["source"] == "recommendation"
    assert host.output["dataSync"]["dataSyncOption"] == "before-failover"
    assert "H3a" in host.output["dataSync"]["reason"]


def test_alternate_location_passes_target_host_and_create_vm_H9() -> None:
    host = FakeAsr().host(request(location="alternate", targetHost="hv02")).run()
    start = dict(host.calls)["start_failback"]
    assert start["location"] == "alternate"
    assert start["targetHost"] == "hv02"
    assert start["createVmIfNotFound"] is True


def test_no_reverse_replication_when_not_requested() -> None:
    host = FakeAsr().host(request(reverseReplication=False)).run()
    assert "reverse_replicate" not in host.activity_names()
    assert host.output["outcome"] == "succeeded"


# ----------------------------------------------------------------- approval gate


def test_rejected_approval_cancels_the_suspended_job_and_keeps_the_azure_vm_W2_H10() -> None:
    asr = FakeAsr(gate_decisions={"switchover": "rejected"})
    host = asr.host(request()).run()
    assert _asr_changes(host) == ["start_failback", "cancel_job"]
    assert dict(host.calls)["cancel_job"]["jobId"] == "failover-1"
    report = host.output
    assert report["outcome"] == "not-approved"
    assert "keeps running" in report["message"]
    assert not _events(report, "azure-vm-shutdown")


def test_approval_timeout_is_a_safe_outcome_W2() -> None:
    host = FakeAsr(gate_decisions={"switchover": "timeout"}).host(request()).run()
    assert host.output["outcome"] == "not-approved"
    assert "resume_job" not in host.activity_names()
    assert "cancel_job" in host.activity_names()


def test_rejection_before_a_during_failover_start_changes_nothing_in_asr() -> None:
    host = FakeAsr(gate_decisions={"switchover": "rejected"}).host(request(dataSync="during-failover")).run()
    assert _asr_changes(host) == []
    assert host.output["outcome"] == "not-approved"


def test_gate_gets_the_policy_with_its_timeout_and_the_contract_instance_id() -> None:
    """The gate reads ``timeoutHours``; the unread ``timeoutSeconds`` is gone (issue 11, item 6)."""
    seen: list[tuple[dict[str, Any], str]] = []
    asr = FakeAsr()
    host = asr.host(request())
    gate = host.subs["approval_gate"]
    host.subs["approval_gate"] = lambda p, i: seen.append((p, i)) or gate(p, i)
    host.run()
    payload, instance = seen[0]
    assert instance == "fb-vault-dr-web01-20260301090000:gate:switchover"
    assert payload["policy"]["timeoutHours"] == 4 and "timeoutSeconds" not in payload["policy"]
    assert payload["summary"]["jobId"] == "failover-1"


# ----------------------------------------------------------------- maintenance window


def test_early_approval_waits_for_the_window_with_a_durable_timer() -> None:
    start, end = T0 + timedelta(hours=6), T0 + timedelta(hours=10)
    window = {"start": start.isoformat(), "end": end.isoformat()}
    host = FakeAsr().host(request(maintenanceWindow=window))
    resumed_at: list[Any] = []
    resume = host.activities["resume_job"]
    host.activities["resume_job"] = lambda p: resumed_at.append(host.clock) or resume(p)
    host.run()
    assert host.output["outcome"] == "succeeded"
    assert resumed_at[0] >= start
    assert any(s and s.get("awaiting") == "window" for s in host.statuses)


def test_closed_window_holds_for_a_new_decision_and_rejection_leaves_the_vm_in_azure() -> None:
    window = {"start": (T0 - timedelta(hours=3)).isoformat(), "end": (T0 - timedelta(hours=1)).isoformat()}
    asr = FakeAsr(gate_decisions={"window": "rejected"})
    host = asr.host(request(maintenanceWindow=window)).run()
    assert "resume_job" not in host.activity_names()
    assert host.output["outcome"] == "window-missed"
    assert "cancel_job" in host.activity_names()


def test_closed_window_proceeds_when_approved_again() -> None:
    window = {"start": (T0 - timedelta(hours=3)).isoformat(), "end": (T0 - timedelta(hours=1)).isoformat()}
    host = FakeAsr().host(request(maintenanceWindow=window)).run()
    gates = [p["gate"] for n, p in host.calls if n == "approval_gate"]
    assert gates == ["switchover", "window"]
    assert host.output["outcome"] == "succeeded"


# ----------------------------------------------------------------- verification (H6)


def test_failed_verification_holds_without_commit_until_a_person_decides() -> None:
    host = FakeAsr(verify_results=[False]).host(request())
    host.run(until=lambda s: s and s["awaiting"] == "verification-decision")
    assert not host.done  # holding: waits for VerificationDecision or its long timer
    assert "commit_failover" not in host.activity_names()
    assert host.statuses[-1]["awaiting"] == "verification-decision"
    attempts = host.activity_names().count("verify_onprem")
    # through the 30-minute window: first when a heartbeat can be in, then short, lengthening to 2 minutes
    query = timedelta(seconds=host.activity_seconds)  # each query takes this long in the script
    since, now, expected = T0, T0 + verify_wait(T0, T0, 0) + query, 1
    while now + verify_wait(since, now, expected) <= since + timedelta(minutes=30):
        now, expected = now + verify_wait(since, now, expected) + query, expected + 1
    assert attempts == expected


def test_commit_anyway_decision_commits() -> None:
    decision = {"decision": "commit-anyway", "by": "bob", "comment": "checked by hand"}
    host = (
        FakeAsr(verify_results=[False])
        .host(
            request(), hooks=[_raise_when("VerificationDecision", decision, awaiting="verification-decision")]
        )
        .run()
    )
    assert host.output["outcome"] == "succeeded"
    assert "commit_failover" in host.activity_names()
    assert {"decision": "commit-anyway", "by": "bob"}.items() <= host.output["decisions"][-1].items()


def test_leave_manual_decision_does_not_commit() -> None:
    decision = json_string({"decision": "leave-manual", "by": "bob", "comment": "app broken"})
    host = (
        FakeAsr(verify_results=[False])
        .host(
            request(), hooks=[_raise_when("VerificationDecision", decision, awaiting="verification-decision")]
        )
        .run()
    )
    assert host.output["outcome"] == "left-manual"
    assert "commit_failover" not in host.activity_names()


def test_verification_hold_timeout_never_commits_by_itself() -> None:
    host = FakeAsr(verify_results=[False]).host(request())
    host.run(until=lambda s: s and s["awaiting"] == "verification-decision")
    held_at = host.clock
    host.run()  # nobody decides: the decision timer fires
    assert host.done
    assert host.clock - held_at >= timedelta(days=3)
    assert host.output["outcome"] == "left-manual"
    assert "commit_failover" not in host.activity_names()


def test_verification_passing_on_a_later_attempt_commits() -> None:
    host = FakeAsr(verify_results=[False, False, True]).host(request()).run()
    assert host.activity_names().count("verify_onprem") == 3
    assert host.output["outcome"] == "succeeded"
    assert _events(host.output, "onprem-verified")


def json_string(payload: dict[str, Any]) -> str:
    """What ``client.raise_event`` delivers: the payload as a JSON string (durable-python #295)."""
    import json

    return json.dumps(payload)


# ----------------------------------------------------------------- ASR job failures


def test_failed_sync_job_stops_before_any_shutdown() -> None:
    host = FakeAsr(outcomes={"sync": "Failed"}).host(request()).run()
    report = host.output
    assert report["outcome"] == "failed"
    assert report["error"]["code"] == "ASR_JOB_FAILED"
    assert "still running" in report["error"]["remedy"]
    assert _asr_changes(host) == ["start_failback"]


def test_failed_switchover_job_stops_before_commit_and_says_not_to_cancel_H10() -> None:
    host = FakeAsr(outcomes={"switchover": "Failed"}).host(request()).run()
    report = host.output
    assert report["outcome"] == "failed"
    assert "Do not cancel" in report["error"]["remedy"]
    assert "70094" in report["error"]["message"]
    assert "commit_failover" not in host.activity_names()
    assert "verify_onprem" not in host.activity_names()


def test_failed_commit_job_stops_before_reverse_replication() -> None:
    host = FakeAsr(outcomes={"commit": "Failed"}).host(request()).run()
    assert host.output["outcome"] == "failed"
    assert "reverse_replicate" not in host.activity_names()
    assert "commit" in host.output["error"]["remedy"]


def test_failed_reverse_replication_is_reported_after_commit() -> None:
    host = FakeAsr(outcomes={"reprotect": "Failed"}).host(request()).run()
    assert host.output["outcome"] == "failed"
    assert "reverse replication" in host.output["error"]["remedy"]


def test_failing_activity_stops_the_run_with_its_code() -> None:
    asr = FakeAsr(
        failing={"start_failback": [failback_error("OPERATION_NOT_ALLOWED", "Failback not allowed")]}
    )
    host = asr.host(request()).run()
    assert host.output["outcome"] == "failed"
    assert host.output["error"]["code"] == "OPERATION_NOT_ALLOWED"
    assert "resume_job" not in host.activity_names()


def test_transient_arm_failure_is_retried_after_a_durable_timer_once_per_operation() -> None:
    asr = FakeAsr(failing={"start_failback": [failback_error("ARM_THROTTLED", "429 Retry-After 30")]})
    host = asr.host(request()).run()
    assert host.output["outcome"] == "succeeded"
    assert host.activity_names().count("start_failback") == 2
    assert asr.jobs.count("failover-1") == 1 and len([j for j in asr.jobs if j.startswith("failover")]) == 1


# ----------------------------------------------------------------- cancel (H10)


def test_cancel_during_sync_is_refused_with_the_reason_and_the_run_goes_on_H10() -> None:
    cancel = {"requestId": "c-1", "by": "carol", "reason": "changed my mind"}
    host = (
        FakeAsr()
        .host(request(), hooks=[_raise_when("CancelRequest", cancel, phase="sync", step="waiting-for-job")])
        .run()
    )
    answers = [s["cancel"] for s in host.statuses if s and "cancel" in s]
    assert answers[0]["accepted"] is False
    assert answers[0]["code"] == "CANCEL_REFUSED_DATA_SYNC"
    assert "H10" in answers[0]["reason"] and answers[0]["requestId"] == "c-1"
    assert "cancel_job" not in host.activity_names()
    assert host.output["outcome"] == "succeeded"
    assert not host.timers  # the keep-alive timer was cancelled
    refused = [d for d in host.output["decisions"] if d["decision"] == "cancel-refused"]
    assert refused[0]["by"] == "carol"


def test_cancel_while_awaiting_approval_is_accepted_and_the_suspended_job_cancelled() -> None:
    cancel = json_string({"requestId": "c-2", "by": "carol"})
    host = FakeAsr().host(request(), hooks=[_raise_when("CancelRequest", cancel, awaiting="approval")]).run()
    assert host.output["outcome"] == "cancelled"
    assert _asr_changes(host) == ["start_failback", "cancel_job"]
    assert next(s["cancel"]["accepted"] for s in host.statuses if s and "cancel" in s) is True


def test_cancel_during_preflight_ends_before_any_asr_change() -> None:
    cancel = {"requestId": "c-3", "by": "carol"}
    host = FakeAsr().host(
        request(), hooks=[_raise_when("CancelRequest", cancel, phase="preflight", step="checking")]
    )
    host.run()
    assert host.output["outcome"] == "cancelled"
    assert _asr_changes(host) == []


def test_cancel_after_the_switchover_is_refused() -> None:
    cancel = {"requestId": "c-4", "by": "carol"}
    host = (
        FakeAsr()
        .host(request(), hooks=[_raise_when("CancelRequest", cancel, phase="commit", step="waiting-for-job")])
        .run()
    )
    answer = next(s["cancel"] for s in host.statuses if s and "cancel" in s)
    assert answer["code"] == "CANCEL_NOT_ALLOWED"
    assert host.output["outcome"] == "succeeded"


# ----------------------------------------------------------------- status and callback


def test_custom_status_follows_the_contract_and_points_at_the_job_tracker() -> None:
    host = FakeAsr().host(request()).run()
    waiting = [s for s in host.statuses if s and s.get("step") == "waiting-for-job"]
    assert waiting[0]["tracker"] == "fb-vault-dr-web01-20260301090000:job:sync"
    for status in host.statuses:
        assert {"phase", "step", "progress", "jobId", "awaiting", "message"} <= set(status)
        assert len(json.dumps(status)) < 8000  # far below the 16 KB custom-status limit


def test_report_is_posted_to_the_callback_url() -> None:
    host = FakeAsr().host(request(callbackUrl="https://hooks.example.com/failback")).run()
    assert host.activity_names()[-2:] == ["post_callback", "seal_report"]
    posted = dict(host.calls)["post_callback"]
    assert posted["url"] == "https://hooks.example.com/failback"
    assert posted["body"]["outcome"] == "succeeded"
    assert host.output["callback"] == {"posted": True}


def test_cancel_while_waiting_for_the_window_stops_the_timer_and_cancels_the_job() -> None:
    window = {"start": (T0 + timedelta(hours=6)).isoformat(), "end": (T0 + timedelta(hours=10)).isoformat()}
    cancel = {"requestId": "c-5", "by": "carol"}
    host = (
        FakeAsr()
        .host(
            request(maintenanceWindow=window), hooks=[_raise_when("CancelRequest", cancel, awaiting="window")]
        )
        .run()
    )
    assert host.output["outcome"] == "cancelled"
    assert _asr_changes(host) == ["start_failback", "cancel_job"]
    assert host.clock < T0 + timedelta(hours=6)  # did not wait for the window
    assert not host.timers


def test_a_job_resumed_outside_the_run_skips_the_gate_and_goes_on_to_verify() -> None:
    host = FakeAsr(outcomes={"sync": "Succeeded"}).host(request()).run()
    names = host.activity_names()
    assert "approval_gate" not in names and "resume_job" not in names
    assert names.index("verify_onprem") < names.index("commit_failover")
    assert host.output["outcome"] == "succeeded"
