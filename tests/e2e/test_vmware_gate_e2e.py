"""VMware: the approval gate opens only once re-protect reached Protected, data synchronized (issue 12)."""

from __future__ import annotations

import html

from scripts.failback_stack import FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish


def test_the_approver_sees_the_vm_protected_on_premises_before_deciding(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request("vmw-win01", kind="vmware-classic", dataSync="auto"))
    stack.drive_to(run_id, awaiting="approval", timeout=90)
    stack.drive(lambda: bool(stack.approval_links(run_id, "switchover")), timeout=30)
    page = html.unescape(stack.http.get(stack.approval_links(run_id, "switchover")[0], timeout=30).text)
    assert "dataSynchronized: yes (the item is Protected" in page
    assert "dataSynchronized: no" not in page
    report = approve_and_finish(stack, run_id, timeout=120)
    assert report["outcome"] == "succeeded", report.get("error")
    assert stack.invariants() == []
