"""Waves of many VMs end to end on the simulator (issue 7): order, parallelism, approvals,
stop-on-failure, alternate location, and vault-level job polling.
"""

from __future__ import annotations

from typing import Any

from scripts.failback_stack import FailbackStack, sample_request
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
