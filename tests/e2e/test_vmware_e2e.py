"""VMware/physical failback end to end on the simulator (issue 7, seed 002, V1-V6).

HTTP -> local host -> failback_orchestrator (VMware variant) -> activities -> simulator.
Every run ends with the simulator's invariants empty.
"""

from __future__ import annotations

from typing import Any

import pytest

from scripts.failback_stack import FailbackStack, sample_request
from tests.variants.e2e_helpers import approve, approve_and_finish

LOG_STORAGE = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-dr/providers/"
    "Microsoft.Storage/storageAccounts/asrcache01"
)


def vmware_request(vm: str, kind: str = "vmware-classic", **vmware: Any) -> dict[str, Any]:
    body = sample_request(vm, kind=kind, dataSync="auto")
    if vmware:
        body["vmware"] = vmware
    return body


def _notes(report: dict[str, Any]) -> list[str]:
    return [str(e.get("detail")) for e in report["timeline"] if e.get("event") == "note"]


def test_classic_failback_waits_for_the_agent_then_completes_V1_V2_V4(stack: FailbackStack) -> None:
    run_id = stack.start_failback(vmware_request("vmw-win01"))
    waiting = stack.drive_to(run_id, awaiting="approval", timeout=90)
    assert waiting["phase"] == "approval", waiting
    report = approve_and_finish(stack, run_id, timeout=120)
    assert report["outcome"] == "succeeded", report.get("error")
    # V4: re-protect failed with "agent not installed" and was retried on a durable timer
    retries = [n for n in _notes(report) if n.startswith("retrying in")]
    assert retries and any("78060" in n for n in retries), _notes(report)
    jobs = [(j["operation"], j["state"]) for j in report["asrJobs"]]
    ops = [op for op, _ in jobs]
    assert ops.index("switchover") < ops.index("commit") < ops.index("reprotect"), jobs
    # both re-protects waited for an agent: the Azure VM's (to on-prem) and the on-prem VM's (back)
    assert [s for op, s in jobs if op == "sync"][-1] == "Succeeded" and ops.count("sync") >= 2
    assert [s for op, s in jobs if op == "reprotect"][-1] == "Succeeded" and ops.count("reprotect") >= 2
    # V2: the failback policy was found automatically; V1 inputs went to ASR
    checks = {c["id"]: c for c in report["preflight"]["checks"]}
    assert checks["V2"]["passed"] and "vmware-policy-failback" in checks["V2"]["evidence"]
    assert checks["V3-datastore"]["passed"] and "VMFS" in checks["V3-datastore"]["evidence"]
    assert report["afterEffects"] == []  # Windows keeps its network settings (V6)
    assert stack.invariants() == []


def test_approval_page_shows_the_attested_checklist_V3(stack: FailbackStack) -> None:
    run_id = stack.start_failback(vmware_request("vmw-win01"))
    stack.drive_to(run_id, awaiting="approval", timeout=90)
    attested = approve(stack, run_id)
    assert {"V3-network", "V3-mt-hygiene", "V3-retention", "V3-esxi", "V3-history"} <= set(attested)
    report = stack.finish(run_id, timeout=120)
    assert report["outcome"] == "succeeded", report.get("error")


def test_modernized_failback_with_its_own_inputs_V1(stack: FailbackStack) -> None:
    body = vmware_request("vmw-rcm01", "vmware-modernized", logStorageAccountId=LOG_STORAGE)
    run_id = stack.start_failback(body)
    report = approve_and_finish(stack, run_id, timeout=120)
    assert report["outcome"] == "succeeded", report.get("error")
    ops = [j["operation"] for j in report["asrJobs"]]
    assert ops.index("sync") < ops.index("switchover") < ops.index("commit") < ops.index("reprotect"), ops
    assert stack.invariants() == []


@pytest.mark.parametrize(
    ("scenario", "vm", "rule", "vmware"),
    [
        ("vmware-nfs", "vmw-win01", "V3-datastore", {}),
        ("vmware-linux-windows-mt", "vmw-lin03", "V3-mt-os", {}),
        ("vmware-readonly-vcenter", "vmw-win01", "V3-vcenter-account", {}),
        ("vmware-mixed-os-group", "vmw-win03", "V3-group-os", {}),
        ("default", "vmw-lin01", "V5", {}),
        ("default", "vmw-win01", "V3-datastore", {"datastore": "nfs-datastore-01"}),
        ("default", "vmw-win01", "V3-retention", {"retentionDrive": "S:"}),
        ("default", "vmw-win01", "V3-ps", {"processServer": "ps-missing"}),
    ],
)
def test_each_v3_rule_rejects_before_anything_changes_V3(
    tmp_path: Any, scenario: str, vm: str, rule: str, vmware: dict[str, Any]
) -> None:
    with FailbackStack(tmp_path, scenario=scenario) as stack:
        run_id = stack.start_failback(vmware_request(vm, **vmware))
        report = stack.finish(run_id)
        assert report["outcome"] == "rejected", report["outcome"]
        failed = {c["id"] for c in report["preflight"]["checks"] if not c["passed"]}
        assert rule in failed, report["preflight"]["checks"]
        # a missing retention drive is waited for after one refresh of the CS (seed 002), then refused
        refreshed = {"write providers.refresh": 1} if rule == "V3-retention" else {}
        assert stack.writes() == refreshed
        assert stack.invariants() == []


def test_read_only_vcenter_account_named_fails_sync_phase_1_with_the_azure_vm_running_V3(
    stack: FailbackStack,
) -> None:
    """No API shows that an account is read-only: ASR refuses at re-protect; nothing was switched."""
    run_id = stack.start_failback(vmware_request("vmw-win01", runAsAccount="vcenter-readonly"))
    report = stack.finish(run_id, timeout=120)
    assert report["outcome"] == "failed"
    assert "78064" in report["error"]["message"]
    assert "Azure VM is still running" in report["error"]["remedy"]
    assert "write items.unplanned_failover" not in stack.writes()
    assert stack.invariants() == []


def test_not_approved_leaves_the_vm_in_azure_and_a_second_run_adopts_the_reprotect(
    stack: FailbackStack,
) -> None:
    """Rejected after sync phase 1: the Azure VM keeps running; the next run completes without re-syncing."""
    first = stack.start_failback(
        vmware_request("vmw-rcm01", "vmware-modernized", logStorageAccountId=LOG_STORAGE)
    )
    stack.drive_to(first, awaiting="approval", timeout=90)
    approve(stack, first, decision="reject")
    rejected = stack.finish(first)
    assert rejected["outcome"] == "not-approved"
    assert stack.invariants() == []
    second = stack.start_failback(
        vmware_request("vmw-rcm01", "vmware-modernized", logStorageAccountId=LOG_STORAGE)
    )
    report = approve_and_finish(stack, second)
    assert report["outcome"] == "succeeded", report.get("error")
    assert report["asrJobs"][0]["operation"] == "sync" and report["asrJobs"][0]["adopted"] is True
    back = [j for j in report["asrJobs"] if j["operation"] == "reprotect"]  # V4 retries included
    assert [j["operation"] for j in report["asrJobs"]].count("sync") == 1
    # one re-protect to on-prem (first run, adopted by the second), then the attempts back to Azure
    assert stack.writes().get("write items.reprotect") == 1 + len(back)
    assert stack.invariants() == []


def test_configuration_server_disconnected_is_refused_V3_cs(stack: FailbackStack) -> None:
    stack.sim.control.host("cs01", connected=False)
    report = stack.finish(stack.start_failback(vmware_request("vmw-win01")))
    assert report["outcome"] == "rejected"
    assert "V3-cs" in {c["id"] for c in report["preflight"]["checks"] if not c["passed"]}
    assert stack.writes() == {}


def test_sixty_disks_count_the_vms_being_reprotected_V3_disks(tmp_path: Any) -> None:
    with FailbackStack(tmp_path, scenario="vmware-60-disks") as stack:
        first = stack.start_failback(vmware_request("vmw-win01"))
        # once re-protected, vmw-win01's 2 disks sit on the master target next to its 56
        stack.drive_to(first, awaiting="approval", timeout=60)
        second = stack.finish(stack.start_failback(vmware_request("vmw-win02")))
        assert second["outcome"] == "rejected", (second["error"], second["preflight"])
        disks = next(c for c in second["preflight"]["checks"] if c["id"] == "V3-disks")
        assert not disks["passed"] and "= 61" in disks["evidence"], disks
        assert approve_and_finish(stack, first)["outcome"] == "succeeded"
        assert stack.invariants() == []


def test_failback_to_another_vcenter_lands_on_its_master_target(tmp_path: Any) -> None:
    """Seed 002: the other vCenter and its master target are discovered, the datastore visible."""
    body = vmware_request(
        "vmw-win01", vCenter="vcenter02", masterTarget="mt-win-02", datastore="datastore-vmfs-03"
    )
    body["location"] = "alternate"
    with FailbackStack(tmp_path, scenario="vmware-alternate-vcenter") as stack:
        report = approve_and_finish(stack, stack.start_failback(body), timeout=120)
        assert report["outcome"] == "succeeded", report.get("error")
        checks = {c["id"]: c for c in report["preflight"]["checks"]}
        assert checks["V3-vcenter-target"]["passed"], checks["V3-vcenter-target"]
        assert "vcenter02" in checks["V3-vcenter-target"]["evidence"]
        assert "mt-win-02" in checks["V3-disks"]["evidence"]  # the re-protect's master target
        assert stack.invariants() == []


def test_another_vcenter_not_discovered_is_refused_with_the_remedy(tmp_path: Any) -> None:
    body = vmware_request(
        "vmw-win01", vCenter="vcenter09", masterTarget="mt-win-02", datastore="datastore-vmfs-03"
    )
    body["location"] = "alternate"
    with FailbackStack(tmp_path, scenario="vmware-alternate-vcenter") as stack:
        report = stack.finish(stack.start_failback(body))
        assert report["outcome"] == "rejected"
        (check,) = [c for c in report["preflight"]["checks"] if not c["passed"]]
        assert check["id"] == "V3-vcenter-target" and "not discovered" in check["evidence"]
        assert "新しい vCenter とマスター ターゲット サーバーが" in check["remedy"]
        assert stack.writes() == {}


def test_a_read_only_account_the_api_reports_is_refused_at_preflight_with_the_remedy(tmp_path: Any) -> None:
    """Seed 002: a read-only vCenter account makes re-protect fail; the API says it cannot list datastores."""
    with FailbackStack(tmp_path, scenario="vmware-readonly-account") as stack:
        report = stack.finish(
            stack.start_failback(vmware_request("vmw-win01", runAsAccount="vcenter-readonly"))
        )
        assert report["outcome"] == "rejected"
        failed = {c["id"]: c for c in report["preflight"]["checks"] if not c["passed"]}
        assert set(failed) == {"V3-runas-datastores"}, failed
        assert "Datastores could not be listed" in failed["V3-runas-datastores"]["evidence"]
        assert "update the vCenter credentials" in failed["V3-runas-datastores"]["remedy"]
        assert stack.writes() == {}  # refused before anything changed in ASR
        assert stack.invariants() == []


def test_a_retention_drive_still_appearing_is_waited_for_after_a_refresh(tmp_path: Any) -> None:
    """Seed 002: a drive added to the master target takes up to 15 minutes to appear; refresh the CS."""
    with FailbackStack(tmp_path, scenario="vmware-late-retention") as stack:
        report = approve_and_finish(stack, stack.start_failback(vmware_request("vmw-win01")), timeout=150)
        assert report["outcome"] == "succeeded", report.get("error")
        waits = [n for n in _notes(report) if "up to 15 minutes to appear" in n]
        assert waits and "R:" in waits[0]
        assert stack.writes().get("write providers.refresh") == 1
        assert report["preflight"]["passed"] is True
        assert stack.invariants() == []


def test_the_checklist_carries_the_seed_002_items_no_api_shows(stack: FailbackStack) -> None:
    run_id = stack.start_failback(vmware_request("vmw-win01"))
    stack.drive_to(run_id, awaiting="approval", timeout=90)
    stack.drive(lambda: bool(stack.approval_links(run_id, "switchover")), timeout=30)
    page = stack.http.get(stack.approval_links(run_id, "switchover")[0], timeout=30).text
    for item in ("V3-cs-database", "V3-ports", "V5-onprem-off"):
        assert f'value="{item}"' in page, item
    assert "same IP address" in page and "port 443" in page
    report = approve_and_finish(stack, run_id, timeout=120)
    assert report["outcome"] == "succeeded", report.get("error")
