"""V3 across runs: the 60-disk rule sums every live run re-protecting to the same master target (issue 12).

Scenario ``vmware-60-disks``: mt-win-01 holds 56 disks; vmw-win01 has 2, vmw-win02 has 3. Alone each
fits; while vmw-win01's re-protect runs, vmw-win02 would make 61.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.failback_stack import FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish


@pytest.fixture
def sixty(tmp_path: Path) -> Iterator[FailbackStack]:
    with FailbackStack(tmp_path, scenario="vmware-60-disks") as running:
        yield running


def test_a_second_run_on_a_master_target_near_60_disks_is_refused_while_the_first_reprotects(
    sixty: FailbackStack,
) -> None:
    first = sixty.start_failback(sample_request("vmw-win01", kind="vmware-classic", dataSync="auto"))
    sixty.drive_to(first, phase="sync", timeout=90)
    second = sixty.finish(
        sixty.start_failback(sample_request("vmw-win02", kind="vmware-classic", dataSync="auto"))
    )
    assert second["outcome"] == "rejected"
    disks = next(c for c in second["preflight"]["checks"] if c["id"] == "V3-disks")
    assert disks["passed"] is False and "56 attached" in disks["evidence"] and "= 61" in disks["evidence"], (
        disks
    )
    report = approve_and_finish(sixty, first, timeout=120)
    assert report["outcome"] == "succeeded", report.get("error")
    assert sixty.invariants() == []
