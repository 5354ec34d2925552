"""Seed behaviours of Hyper-V failback (H2a, H2b, H2c, H2e, H10) through the real SDK."""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError

from simulator.models.hyperv import FailbackOptions
from tests.simulator.conftest import APP01, DB01, FILE01, LEGACY01, WEB01, Sim


def test_storage_account_disks_refuse_failback_H2a(sim: Sim) -> None:
    item = sim.item(LEGACY01)
    assert item.properties.provider_specific_details.use_managed_disks == "false"
    with pytest.raises(HttpResponseError) as caught:
        sim.failback(LEGACY01)
    assert caught.value.status_code == 400
    assert caught.value.error.code == "FailbackNotSupportedForUnmanagedDisks"
    assert "managed disks" in caught.value.error.message
    assert sim.item(LEGACY01).properties.current_scenario.scenario_name == "None"


def test_disconnected_host_fails_the_job_at_preflight_H2b(sim: Sim) -> None:
    provider = sim.asr.replication_recovery_services_providers.get(
        "rg-dr", "vault-dr", "site-hq", "hv-host-03"
    )
    assert provider.properties.connection_status == "NotConnected"
    poller = sim.failback(DB01, "ForDownTime")
    job_name = sim.job_id_of(DB01)
    sim.advance(60)
    job = sim.job(job_name)
    assert job.properties.state == "Failed"
    failed = [t for t in job.properties.tasks if t.state == "Failed"]
    assert [t.name for t in failed] == ["VmPfoPrerequisitesCheck"]
    assert "hv03.contoso.local" in job.properties.errors[0].service_error_details.message
    with pytest.raises(HttpResponseError) as caught:
        poller.result()
    assert "539" in str(caught.value)
    with sim.locked() as world:
        assert world.machines["db01"].azure_state == "running"  # nothing changed


def test_vmm_disconnecting_mid_sync_fails_the_running_task_H2b(sim: Sim) -> None:
    started = sim.clock.now()
    sim.failback(APP01, "ForDownTime")
    job_name = sim.job_id_of(APP01)
    sim.control.fault(kind="host_disconnect", host="vmm01.contoso.local", after_seconds=120)
    sim.advance(3600)
    job = sim.job(job_name)
    assert job.properties.state == "Failed"
    failed = next(t for t in job.properties.tasks if t.state == "Failed")
    assert failed.name == "SynchronizeDataBeforeFailover"
    assert failed.end_time == started + timedelta(seconds=120)  # fails at the moment of disconnection
    provider = sim.asr.replication_recovery_services_providers.get(
        "rg-dr", "vault-dr", "vmm-contoso", "vmm01"
    )
    assert provider.properties.connection_status == "NotConnected"


def test_not_committed_failover_has_no_failback_H2c(sim: Sim) -> None:
    item = sim.item(FILE01)
    assert "Failback" not in item.properties.allowed_operations
    assert "Commit" in item.properties.allowed_operations
    with pytest.raises(ResourceExistsError) as caught:
        sim.failback(FILE01)
    assert caught.value.error.code == "OperationNotAllowed"
    committed = sim.commit(FILE01)
    sim.advance(600)
    assert "Failback" in committed.result().properties.allowed_operations


def test_second_operation_while_one_runs_is_a_conflict(sim: Sim) -> None:
    sim.failback(WEB01)
    with pytest.raises(ResourceExistsError) as caught:
        sim.failback(WEB01)
    assert caught.value.error.code == "ScenarioInProgress"


def test_wrong_direction_is_a_bad_request_H1(sim: Sim) -> None:
    from azure.mgmt.recoveryservicessiterecovery import models as m

    body = m.PlannedFailoverInput(
        properties=m.PlannedFailoverInputProperties(failover_direction="PrimaryToRecovery")
    )
    with pytest.raises(HttpResponseError) as caught:
        sim.asr.replication_protected_items.begin_planned_failover("rg-dr", "vault-dr", *WEB01, body)
    assert caught.value.status_code == 400
    assert caught.value.error.code == "InvalidFailoverDirection"


def test_alternate_location_through_a_recovery_plan_is_refused_H2e(sim: Sim) -> None:
    from simulator.errors import ArmError

    with sim.locked() as world:
        item = world.items["rpi-web01"]
        provider = world.provider_by_name("hv-host-02")
        with pytest.raises(ArmError) as caught:
            item.failback_operation(FailbackOptions("ForDownTime", True, provider), via_plan=True)
    assert caught.value.code == "AlternateLocationNotSupportedForRecoveryPlan"


def test_cancel_during_data_sync_corrupts_the_onprem_vm_and_rerun_repairs_it_H10(sim: Sim) -> None:
    start = sim.clock.now()
    sim.failback(WEB01, "ForDownTime")
    job_name = sim.job_id_of(WEB01)
    sim.advance(60)  # preflight done, phase-1 synchronisation running
    with sim.locked() as world:
        assert world.jobs[job_name].data_sync_in_progress
    cancelled = sim.cancel(job_name)
    assert cancelled.properties.state == "Cancelled"
    violations = sim.control.invariants()
    assert [v["kind"] for v in violations] == ["cancel_during_sync"]
    with sim.locked() as world:
        machine = world.machines["web01"]
        assert machine.onprem_state == "corrupt"
        assert machine.azure_state == "running"
    assert "Failback" in sim.item(WEB01).properties.allowed_operations
    sim.control.vm("web01", azure="stopped")
    booted = sim.control.vm("web01", onprem="running")  # someone tries to boot it anyway
    assert booted["onpremState"] == "corrupt"  # it does not boot
    sim.advance(600)
    assert sim.heartbeats("web01", start.isoformat()) == []
    sim.control.vm("web01", azure="running")

    # the remedy: run the failover again to completion
    poller = sim.failback(WEB01, "ForSynchronization")
    sim.advance(7200)
    assert poller.result().properties.active_location == "Primary"
    with sim.locked() as world:
        assert world.machines["web01"].onprem_state == "running"
    assert sim.heartbeats("web01", start.isoformat())


def test_cancel_while_suspended_is_safe(sim: Sim) -> None:
    sim.failback(WEB01, "ForDownTime")
    job_name = sim.job_id_of(WEB01)
    sim.advance(3600)
    assert sim.job(job_name).properties.state == "Suspended"
    sim.cancel(job_name)
    assert sim.control.invariants() == []
    with sim.locked() as world:
        machine = world.machines["web01"]
        assert machine.onprem_state == "off"
        assert machine.azure_state == "running"


def test_host_disconnected_by_hand_fails_the_running_task_from_that_moment_H2b(sim: Sim) -> None:
    sim.failback(WEB01, "ForSynchronization")
    job_name = sim.job_id_of(WEB01)
    sim.advance(300)  # full download running
    cut = sim.clock.now()
    sim.control.host("hv01.contoso.local", connected=False)
    sim.advance(10)
    job = sim.job(job_name)
    failed = next(t for t in job.properties.tasks if t.state == "Failed")
    assert failed.name == "SynchronizeData"
    assert failed.end_time == cut
    with sim.locked() as world:
        assert world.machines["web01"].onprem_state == "corrupt"  # the download did not finish
