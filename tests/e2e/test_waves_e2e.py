"""Waves of many VMs end to end on the simulator (issue 7): order, parallelism, approvals,
stop-on-failure, alternate location, and vault-level job polling.
"""

from __future__ import annotations

from typing import Any

import pytest

from scripts.failback_stack import FailbackStack, sample_request
from simulator.profiles import PROFILES
from tests.e2e.conftest import ASR_WRITES
from tests.variants.e2e_helpers import approve


def vm(n: int) -> str:
    return f"scale{n:04d}"


def waves_request(waves: list[list[Any]], **policy: Any) -> dict[str, Any]:
    body = sample_request("x", kind="waves", waves=[{"items": w} for w in waves], wavePolicy=policy)
    del body["item"]
    body["verification"] = {"workspaceId": body["verification"]["workspaceId"], "windowMinutes": 30}
    return body


def test_two_waves_in_order_with_one_approval_each_and_a_parallelism_limit(tmp_path: Any) -> None:
    with FailbackStack(tmp_path, scenario="scale-10") as stack:
        body = waves_request([[vm(1), vm(2), vm(3)], [vm(4), vm(5)]], parallelism=2, approval="per-wave")
        run_id = stack.start_failback(body)
        stack.drive_to(run_id, awaiting="approval")
        assert stack.writes() == {}  # nothing starts before the wave's approval
        approve(stack, run_id, gate="wave-1")
        stack.drive_to(run_id, awaiting="approval", timeout=120)
        assert stack.run(run_id)["step"] == "awaiting wave-2 approval"
        approve(stack, run_id, gate="wave-2")
        report = stack.finish(run_id, timeout=120)
        assert report["outcome"] == "succeeded", report["vms"]
        assert [(r["wave"], r["outcome"]) for r in report["vms"]] == [(1, "succeeded")] * 3 + [
            (2, "succeeded")
        ] * 2
        assert [d["gate"] for d in report["decisions"]] == ["wave-1", "wave-2"]
        assert stack.invariants() == []


def test_stop_on_failure_starts_nothing_after_a_failed_vm(tmp_path: Any) -> None:
    with FailbackStack(tmp_path, scenario="scale-10") as stack:
        stack.sim.control.fault(
            kind="job_failure", task="SynchronizeDataBeforeFailover", vm=vm(1), code="70094"
        )
        body = waves_request([[vm(1), vm(2), vm(3)], [vm(4)]], parallelism=1, approval="once")
        run_id = stack.start_failback(body)
        stack.drive_to(run_id, awaiting="approval")
        approve(stack, run_id, gate="waves")
        report = stack.finish(run_id, timeout=120)
        assert report["outcome"] == "failed"
        outcomes = {r["vm"]: r["outcome"] for r in report["vms"]}
        assert outcomes == {vm(1): "failed", vm(2): "not-started", vm(3): "not-started", vm(4): "not-started"}
        assert stack.invariants() == []


def test_alternate_location_failback_of_many_vms_which_plans_cannot_do_H2e(tmp_path: Any) -> None:
    with FailbackStack(tmp_path, scenario="scale-10") as stack:
        items = [{"friendlyName": vm(n), "targetHost": "scale-host-10"} for n in (1, 2, 3)]
        body = waves_request([items], parallelism=3, approval="once")
        body["location"] = "alternate"
        run_id = stack.start_failback(body)
        stack.drive_to(run_id, awaiting="approval")
        attested = approve(stack, run_id, gate="waves")
        assert {"H9-host-os", "H9-vswitch"} <= set(attested)  # the new hosts' role and vSwitch (H9)
        report = stack.finish(run_id, timeout=120)
        assert report["outcome"] == "succeeded", report["vms"]
        assert report["location"] == "alternate"
        assert stack.invariants() == []


def test_cancel_stops_further_starts_and_lets_started_vms_finish(tmp_path: Any) -> None:
    with FailbackStack(tmp_path, scenario="scale-10") as stack:
        body = waves_request([[vm(1), vm(2), vm(3)], [vm(4)]], parallelism=1, approval="per-wave")
        run_id = stack.start_failback(body)
        stack.drive_to(run_id, awaiting="approval")
        approve(stack, run_id, gate="wave-1")
        answer = stack.post(f"/api/failbacks/{run_id}/cancel", {"reason": "change freeze"})
        assert answer.status_code in (200, 202), answer.text
        assert answer.json().get("accepted") is True, answer.json()
        report = stack.finish(run_id, timeout=120)
        assert report["outcome"] == "cancelled"
        outcomes = {r["vm"]: r["outcome"] for r in report["vms"]}
        assert outcomes[vm(4)] == "not-started" and outcomes[vm(3)] == "not-started"
        assert set(outcomes.values()) <= {"succeeded", "not-started"}
        assert stack.invariants() == []


def test_vmware_wave_attests_the_checklist_once_for_every_vm_V3(stack: FailbackStack) -> None:
    storage = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-dr/providers/x/y/c"
    body = waves_request([["vmw-rcm01"]], approval="once", vmKind="vmware-modernized")
    body["vmware"] = {"logStorageAccountId": storage}
    run_id = stack.start_failback(body)
    stack.drive_to(run_id, awaiting="approval")
    attested = approve(stack, run_id, gate="waves")
    assert "V3-appliance-disks" in attested and "V3-network" in attested
    report = stack.finish(run_id, timeout=120)
    assert report["outcome"] == "succeeded", report["vms"]
    assert stack.invariants() == []


def test_starts_are_ramped_per_minute_so_vms_do_not_move_in_lockstep(tmp_path: Any) -> None:
    from datetime import datetime

    with FailbackStack(tmp_path, scenario="scale-10") as stack:
        body = waves_request(
            [[vm(n) for n in range(1, 6)]], parallelism=5, startsPerMinute=2, approval="once"
        )
        run_id = stack.start_failback(body)
        stack.drive_to(run_id, awaiting="approval")
        approve(stack, run_id, gate="waves")
        report = stack.finish(run_id, timeout=120)
        assert report["outcome"] == "succeeded", report["vms"]
        starts = sorted(datetime.fromisoformat(r["startedAt"]) for r in report["vms"])
        for n in range(len(starts) - 2):
            assert (starts[n + 2] - starts[n]).total_seconds() >= 60, starts  # never 3 within a minute
        assert stack.invariants() == []


def test_dry_run_checks_every_vm_and_changes_nothing(tmp_path: Any) -> None:
    with FailbackStack(tmp_path, scenario="scale-10") as stack:
        body = waves_request([[vm(1), vm(2)], [vm(3), "no-such-vm"]], approval="per-wave")
        body["dryRun"] = True
        response = stack.post("/api/failbacks", body)
        assert response.status_code in (200, 202), response.text
        run_id = response.json()["id"]
        report = stack.finish(run_id, timeout=120)
        assert report["outcome"] == "dry-run"
        assert (
            report["plan"]["vms"] == 4 and report["plan"]["ready"] == 3 and report["plan"]["approvals"] == 2
        )
        assert report["plan"]["wouldStart"] is False
        assert {r["vm"]: r["outcome"] for r in report["vms"]}["no-such-vm"] == "failed"
        assert stack.writes() == {}


def test_cancel_while_a_wave_gate_is_open_closes_that_gate_at_once_W2(tmp_path: Any) -> None:
    with FailbackStack(tmp_path, scenario="scale-10") as stack:
        body = waves_request([[vm(1)], [vm(2)]], approval="per-wave")
        run_id = stack.start_failback(body)
        stack.drive_to(run_id, awaiting="approval")
        answer = stack.post(f"/api/failbacks/{run_id}/cancel", {"reason": "change freeze"})
        assert answer.status_code in (200, 202), answer.text
        report = stack.finish(run_id, timeout=120)
        assert report["outcome"] == "cancelled"
        gate = stack.get(f"/runtime/webhooks/durabletask/instances/{run_id}:gate:wave-1")
        assert gate.status_code == 200, gate.text
        assert gate.json()["runtimeStatus"] == "Completed"
        assert gate.json()["output"]["decision"] == "cancelled"
        assert stack.writes().get("items.planned_failover", 0) == 0
        assert stack.invariants() == []


@pytest.mark.parametrize("profile", list(PROFILES))
def test_a_wave_reads_asr_per_minute_not_per_vm_and_succeeds_under_every_profile(
    tmp_path: Any, profile: str
) -> None:
    """Six VMs: every ASR operation reaches ASR once per VM, read from vault-level lists (issue 14).

    No protected item is ever read on its own (read-before-write, finding the new job, waiting for
    protection: all from lists) and a job only when its id names none (G4: then once, to learn that),
    whatever the service's guesses.
    """
    vms = [vm(n) for n in range(1, 7)]
    with FailbackStack(tmp_path, scenario="scale-10", profile=profile) as stack:
        run_id = stack.start_failback(waves_request([vms], parallelism=6, approval="once"))
        stack.drive_to(run_id, awaiting="approval")
        approve(stack, run_id, gate="waves")
        report = stack.finish(run_id, timeout=300)
        assert report["outcome"] == "succeeded", report["vms"]
        # G3: a resume that goes on in a new job shows that job as the switchover's
        expected = ["sync", "switchover"] if PROFILES[profile].resume_job == "new" else ["sync"]
        for line in report["vms"]:
            assert [j["operation"] for j in line["asrJobs"]] == [*expected, "commit", "reprotect"], line
        assert stack.invariants() == []
        writes = stack.writes()
        for kind in ASR_WRITES:
            assert writes.get(kind, 0) == len(vms), (kind, writes)
        reads = {k: v for k, v in stack.requests_log()["byKind"].items() if k.startswith("read ")}
        assert "read items.get" not in reads, reads
        lro_ids_are_jobs = PROFILES[profile].item_lro_id == "job"
        assert reads.get("read jobs.get", 0) == (0 if lro_ids_are_jobs else 3 * len(vms)), reads


def _wave_reads(tmp_path: Any, n: int) -> int:
    """ARM reads of a whole wave of ``n`` VMs (pre-flight to protected again), from the request log."""
    with FailbackStack(tmp_path / str(n), scenario="scale-10") as stack:
        run_id = stack.start_failback(
            waves_request([[vm(i) for i in range(1, n + 1)]], parallelism=n, approval="once")
        )
        stack.drive_to(run_id, awaiting="approval")
        approve(stack, run_id, gate="waves")
        assert stack.finish(run_id, timeout=300)["outcome"] == "succeeded"
        return int(stack.requests_log()["reads"])


def test_more_vms_in_a_wave_cost_less_than_one_arm_read_each(tmp_path: Any) -> None:
    """A naive runbook reads ~22 times per VM; a wave's reads are per minute, not per VM (issue 14)."""
    two, eight = _wave_reads(tmp_path, 2), _wave_reads(tmp_path, 8)
    assert eight - two < 8 - 2, (two, eight)
