"""``GET /_sim/invariants``: empty on correct use, each violation reported on incorrect use."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.simulator.conftest import WEB01, Sim


def _kinds(sim: Sim) -> list[str]:
    return [v["kind"] for v in sim.control.invariants()]


def test_no_violation_after_a_correct_failback(sim: Sim) -> None:
    poller = sim.failback(WEB01, "ForDownTime")
    job = sim.job_id_of(WEB01)
    sim.advance(3600)
    sim.resume(job)
    sim.advance(3600)
    poller.result()
    sim.commit(WEB01)
    sim.advance(600)
    assert _kinds(sim) == []


def test_both_copies_running_is_reported(sim: Sim) -> None:
    poller = sim.failback(WEB01, "ForSynchronization")
    sim.advance(7200)
    poller.result()
    sim.control.vm("web01", azure="running")  # someone starts the Azure VM again
    assert _kinds(sim) == ["both_running"]


def test_booting_onprem_with_stale_disks_is_data_loss(sim: Sim) -> None:
    sim.failback(WEB01, "ForDownTime")
    job = sim.job_id_of(WEB01)
    sim.advance(3600)  # phase 1 done; the Azure VM kept writing since
    sim.cancel(job)
    sim.control.vm("web01", azure="stopped")
    sim.control.vm("web01", onprem="running")  # booted by hand instead of completing the failover
    violations = sim.control.invariants()
    assert [v["kind"] for v in violations] == ["data_loss"]
    assert violations[0]["vm"] == "web01"


def test_cancel_during_sync_is_reported_H10(sim: Sim) -> None:
    sim.failback(WEB01, "ForSynchronization")
    job = sim.job_id_of(WEB01)
    sim.advance(300)  # full download running
    sim.cancel(job)
    assert _kinds(sim) == ["cancel_during_sync"]


def test_commit_before_the_onprem_vm_ran_is_reported(sim: Sim) -> None:
    sim.control.fault(kind="job_failure", task="StartVmOnPrimary", vm="web01")
    poller = sim.failback(WEB01, "ForSynchronization")
    job = sim.job_id_of(WEB01)
    sim.advance(7200)
    assert sim.job(job).properties.state == "Failed"
    with pytest.raises(HttpResponseError):
        poller.result()
    item = sim.item(WEB01)
    assert "FinalizeFailback" in item.properties.allowed_operations  # R3/R5: data home, VM not started
    sim.commit(WEB01)
    sim.advance(600)
    assert _kinds(sim) == ["commit_before_onprem_ran"]
