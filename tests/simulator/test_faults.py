"""Fault injection seen through the real SDK: 429, 5xx, slow answers, dropped connections, job failure."""

from __future__ import annotations

import gc
import time
import warnings

import pytest
from azure.core.exceptions import HttpResponseError

from tests.simulator.conftest import RG, VAULT, WEB01, Sim


def test_throttling_is_retried_after_retry_after(sim: Sim) -> None:
    sim.control.fault(
        kind="throttle", method="GET", path="replicationProtectedItems/rpi-web01$", retry_after=1
    )
    started = time.monotonic()
    item = sim.item(WEB01)
    assert item.name == "rpi-web01"
    assert time.monotonic() - started >= 1.0  # the SDK waited as told
    counts = sim.control.requests()["byKind"]
    assert counts["read items.get"] == 1  # the throttled attempt never reached the handler
    assert sim.control.state()["faults"]["http"] == []  # consumed


def test_server_errors_on_reads_are_retried(sim: Sim) -> None:
    sim.control.fault(kind="status", status=503, method="GET", path="replicationFabrics$", retry_after=0)
    fabrics = list(sim.asr.replication_fabrics.list(RG, VAULT))
    assert {f.name for f in fabrics} >= {"site-hq", "vmm-contoso"}


def test_server_error_on_a_failover_post_is_retried_once_started_once(sim: Sim) -> None:
    sim.control.fault(kind="status", status=500, method="POST", path="plannedFailover$", code="InternalError")
    sim.failback(WEB01)
    assert sim.item(WEB01).properties.current_scenario.scenario_name == "PlannedFailover"
    assert sim.control.requests()["byKind"]["write items.planned_failover"] == 1


def test_server_error_on_a_failover_post_surfaces_without_retries(sim: Sim) -> None:
    sim.control.fault(kind="status", status=500, method="POST", path="plannedFailover$", code="InternalError")
    from tests.simulator.conftest import failback_input

    with sim.server.mgmt_client(retry_total=0) as client, pytest.raises(HttpResponseError) as caught:
        client.replication_protected_items.begin_planned_failover(RG, VAULT, *WEB01, failback_input())
    assert caught.value.status_code == 500
    assert caught.value.error.code == "InternalError"
    assert sim.item(WEB01).properties.current_scenario.scenario_name == "None"  # nothing started


def test_slow_answers_arrive_late(sim: Sim) -> None:
    sim.control.fault(kind="slow", method="GET", path="replicationJobs$", delay_seconds=0.5)
    started = time.monotonic()
    list(sim.asr.replication_jobs.list(RG, VAULT))
    assert time.monotonic() - started >= 0.5


def test_dropped_connection_is_retried(sim: Sim) -> None:
    sim.control.fault(kind="drop", method="GET", path="replicationPolicies$")
    # the client abandons the dropped socket without closing it (a ResourceWarning when collected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        with sim.server.mgmt_client() as client:
            policies = list(client.replication_policies.list(RG, VAULT))
        gc.collect()
    assert "hyperv-azure-policy" in {p.name for p in policies}
    assert sim.control.state()["faults"]["http"] == []


def test_faults_match_only_their_method_and_path(sim: Sim) -> None:
    sim.control.fault(kind="status", status=500, method="POST", path="failoverCommit$", count=None)
    assert sim.item(WEB01).name == "rpi-web01"
    assert len(sim.control.state()["faults"]["http"]) == 1
    sim.control.clear_faults()
    assert sim.control.state()["faults"]["http"] == []


def test_job_failure_at_a_named_task(sim: Sim) -> None:
    sim.control.fault(
        kind="job_failure", task="SynchronizeData", vm="web01", code="70094", message="Disk write failed"
    )
    poller = sim.failback(WEB01, "ForSynchronization")
    sim.advance(7200)
    with pytest.raises(HttpResponseError) as caught:
        poller.result()
    assert "70094" in str(caught.value) and "Disk write failed" in str(caught.value)
    item = sim.item(WEB01)
    assert item.properties.active_location == "Recovery"
    assert "Failback" in item.properties.allowed_operations
    with sim.locked() as world:
        machine = world.machines["web01"]
        assert machine.onprem_state == "corrupt"  # the synchronisation did not finish
        assert machine.azure_state == "running"  # rolled back: the workload runs in Azure again


def test_host_disconnect_at_a_moment_blocks_later_failbacks(sim: Sim) -> None:
    sim.control.fault(kind="host_disconnect", host="hv-host-01", after_seconds=600)
    provider = sim.asr.replication_recovery_services_providers.get(RG, VAULT, "site-hq", "hv-host-01")
    assert provider.properties.connection_status == "Connected"
    sim.advance(601)
    provider = sim.asr.replication_recovery_services_providers.get(RG, VAULT, "site-hq", "hv-host-01")
    assert provider.properties.connection_status == "NotConnected"
    assert provider.properties.last_heart_beat == sim.clock.now().replace(microsecond=0) - _seconds(1)
    sim.failback(WEB01)
    job = sim.job_id_of(WEB01)
    sim.advance(60)
    assert sim.job(job).properties.state == "Failed"


def _seconds(n: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(seconds=n)


def test_answer_lost_after_the_operation_started_then_a_retry_conflicts(sim: Sim) -> None:
    sim.control.fault(
        kind="status", status=500, method="POST", path="plannedFailover$", after=True, count=None
    )
    from tests.simulator.conftest import failback_input

    with sim.server.mgmt_client(retry_total=1) as client, pytest.raises(HttpResponseError) as caught:
        client.replication_protected_items.begin_planned_failover(RG, VAULT, *WEB01, failback_input())
    assert caught.value.status_code == 409  # the SDK's retry of the POST meets the running job
    assert caught.value.error.code == "ScenarioInProgress"
    # the first attempt did start the failback: the item shows its job (an activity adopts it)
    assert sim.item(WEB01).properties.current_scenario.scenario_name == "PlannedFailover"
    assert sim.control.requests()["byKind"]["write items.planned_failover"] == 2
    jobs = [j for j in sim.control.state()["jobs"] if j["target"] == "rpi-web01"]
    assert len(jobs) == 1  # the retry did not start a second job
