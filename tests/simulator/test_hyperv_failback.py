"""Hyper-V failback sequences walked with the real SiteRecoveryManagementClient (H1, H3, H7, H8, H9)."""

from __future__ import annotations

from tests.simulator.conftest import OLD01, RG, VAULT, WEB01, Sim


def _task_states(job: object) -> dict[str, str]:
    return {t.name: t.state for t in job.properties.tasks}  # type: ignore[attr-defined]


def test_for_downtime_failback_commit_and_reverse_replication_H3a_H7_H8(sim: Sim) -> None:
    start = sim.clock.now()
    poller = sim.failback(WEB01, "ForDownTime")
    headers = poller.polling_method()._initial_response.http_response.headers
    job_name = sim.job_id_of(WEB01)
    assert headers["Location"].startswith(sim.server.info["arm_endpoint"])
    assert headers["Location"].endswith(f"/operationresults/{job_name}?api-version=2025-08-01")
    assert f"/replicationOperationStatus/{job_name}" in headers["Azure-AsyncOperation"]
    assert headers["x-ms-request-id"].endswith(f"/replicationJobs/{job_name}")

    item = sim.item(WEB01)
    assert item.properties.current_scenario.scenario_name == "PlannedFailover"
    assert item.properties.allowed_operations == []

    # phase 1 copies a snapshot while the Azure VM keeps running and writing
    with sim.locked() as world:
        machine = world.machines["web01"]
        disk = machine.disks[0]
        written_before = machine.azure_written(disk, sim.clock.now())
    sim.advance(3600)
    job = sim.job(job_name)
    assert job.properties.state == "Suspended"
    assert job.properties.allowed_actions == ["Cancel", "Resume"]
    assert _task_states(job)["SynchronizeDataBeforeFailover"] == "Succeeded"
    assert _task_states(job)["CompleteFailover"] == "Suspended"
    assert not poller.done()
    assert poller.status() == "InProgress"  # operation status stays InProgress while suspended
    with sim.locked() as world:
        assert machine.azure_state == "running"
        assert machine.azure_written(disk, sim.clock.now()) > written_before
        assert disk.onprem_synced_mb < machine.azure_written(disk, sim.clock.now())

    # resume: shutdown, final delta, on-prem start
    resumed = sim.resume(job_name)
    sim.advance(3600)
    assert resumed.result().name == job_name
    assert poller.result().properties.protection_state == "FinalizeRestorePending"  # R3
    item = sim.item(WEB01)
    assert item.properties.active_location == "Primary"
    assert item.properties.allowed_operations == ["DisableProtection", "FinalizeFailback"]
    with sim.locked() as world:
        assert machine.azure_state == "stopped"
        assert machine.onprem_state == "running"
        assert disk.onprem_synced_mb == machine.azure_written(disk, sim.clock.now())
    assert sim.heartbeats("web01", start.isoformat())

    # commit deletes the Azure VM and its disks (H7)
    committed = sim.commit(WEB01)
    sim.advance(600)
    assert committed.result().properties.protection_state == "RestoreFinalized"
    with sim.locked() as world:
        assert machine.azure_state == "deleted"

    # reverse replication sends only what the on-prem VM wrote since the Azure VM shut down (H8)
    sim.advance(1800)
    reprotected = sim.reprotect(WEB01)
    sim.advance(600)
    result = reprotected.result()
    assert result.properties.protection_state == "InitialReplicationInProgress"  # R9
    assert result.properties.active_location == "Primary"
    sim.advance(3600)
    assert sim.item(WEB01).properties.protection_state == "Protected"
    state = sim.control.state()
    reprotect_job = next(j for j in state["jobs"] if j["scenarioName"] == "ReprotectReplicationGroup")
    replicate = next(t for t in reprotect_job["tasks"] if t["name"] == "StartInitialReplicationTask")
    with sim.locked() as world:
        shutdown_at = machine.azure_stopped_at
        onprem_since = machine.onprem_runs[-1][0]
    assert shutdown_at is not None and onprem_since is not None and onprem_since >= shutdown_at
    from simulator.models.base import parse_time

    ran = (parse_time(replicate["endTime"]) - onprem_since).total_seconds()
    assert reprotect_job["dataMB"] == round(ran * disk.write_rate_mb_s, 3)  # writes since on-prem start only
    assert reprotect_job["dataMB"] < disk.size_mb / 100
    assert sim.control.invariants() == []


def test_for_synchronization_shuts_down_first_and_downloads_everything_H3b(sim: Sim) -> None:
    poller = sim.failback(WEB01, "ForSynchronization")
    job_name = sim.job_id_of(WEB01)
    sim.advance(200)  # preflight (30 s) + shutdown (60 s) done, download running
    with sim.locked() as world:
        assert world.machines["web01"].azure_state == "stopped"
        job = world.jobs[job_name]
        names = [t.name for t in job.tasks]
        download = next(t for t in job.tasks if t.name == "SynchronizeData")
        assert job.data_sync_in_progress
    assert "SynchronizeDataBeforeFailover" not in names and "CompleteFailover" not in names
    assert download.seconds_total == 127 * 1024 / 100  # full size at 100 MB/s, no checksums
    sim.advance(3600)
    assert poller.result().properties.active_location == "Primary"
    assert sim.job(job_name).properties.state == "Succeeded"
    assert sim.control.invariants() == []


def test_failback_time_grows_with_data_written_in_azure_H11(sim: Sim) -> None:
    sim.failback(WEB01, "ForDownTime")
    web = sim.job_id_of(WEB01)
    sim.advance(40)
    with sim.locked() as world:
        phase1_web = next(t for t in world.jobs[web].tasks if t.name == "SynchronizeDataBeforeFailover")
        app = world.items["rpi-app01"]
        seconds_web = phase1_web.seconds_total
    sim.failback(("vmm-contoso", "cloud-prod", "rpi-app01"), "ForDownTime")
    sim.advance(40)
    with sim.locked() as world:
        job = app.current_job
        phase1_app = next(t for t in job.tasks if t.name == "SynchronizeDataBeforeFailover")
        assert phase1_app.seconds_total > seconds_web  # app01: 384 GB and 3 days of writes vs 127 GB / 2 days


def test_alternate_location_creates_the_vm_on_the_chosen_host_H9(sim: Sim) -> None:
    target = next(
        p
        for p in sim.asr.replication_recovery_services_providers.list_by_replication_fabrics(
            RG, VAULT, "site-hq"
        )
        if p.name == "hv-host-02"
    )
    poller = sim.failback(
        OLD01,
        "ForDownTime",
        recovery_vm_creation_option="CreateVmIfNotFound",
        provider_id_for_alternate_recovery=target.id,
    )
    job_name = sim.job_id_of(OLD01)
    sim.advance(7200)
    assert sim.job(job_name).properties.state == "Suspended"
    sim.resume(job_name)
    sim.advance(7200)
    item = poller.result()
    assert item.properties.active_location == "Primary"
    assert item.properties.recovery_services_provider_id == target.id
    with sim.locked() as world:
        machine = world.machines["old01"]
        assert machine.onprem_host == "hv-host-02"
        assert machine.onprem_state == "running"
    assert sim.control.invariants() == []


def test_deleted_onprem_vm_without_create_option_fails_at_preflight_H3b(sim: Sim) -> None:
    poller = sim.failback(OLD01, "ForSynchronization")
    job_name = sim.job_id_of(OLD01)
    sim.advance(60)
    job = sim.job(job_name)
    assert job.properties.state == "Failed"
    assert job.properties.errors[0].service_error_details.code == "70039"
    assert "CreateVmIfNotFound" in job.properties.errors[0].service_error_details.recommended_action
    assert "Failback" in sim.item(OLD01).properties.allowed_operations
    try:
        poller.result()
    except Exception as error:  # the SDK raises HttpResponseError
        assert "70039" in str(error)
    else:
        raise AssertionError("a failed failback must make the poller raise")


def test_cancel_failover_is_not_offered_after_a_hyperv_failback_R3(sim: Sim) -> None:
    from azure.core.exceptions import ResourceExistsError

    poller = sim.failback(WEB01, "ForSynchronization")
    sim.advance(7200)
    assert "CancelFailover" not in poller.result().properties.allowed_operations
    try:
        sim.asr.replication_protected_items.begin_failover_cancel(RG, VAULT, *WEB01, polling=False)
    except ResourceExistsError as error:
        assert error.status_code == 409
    else:
        raise AssertionError("failoverCancel must be refused from FinalizeRestorePending")
    with sim.locked() as world:
        machine = world.machines["web01"]
        assert machine.azure_state == "stopped"
        assert machine.onprem_state == "running"
    assert sim.control.invariants() == []


def test_forward_failover_and_commit_enable_failback(sim: Sim) -> None:
    from azure.mgmt.recoveryservicessiterecovery import models as m

    lin01 = ("site-hq", "hq-container", "rpi-lin01")
    body = m.PlannedFailoverInput(
        properties=m.PlannedFailoverInputProperties(
            failover_direction="PrimaryToRecovery",
            provider_specific_details=m.HyperVReplicaAzurePlannedFailoverProviderInput(),
        )
    )
    poller = sim.asr.replication_protected_items.begin_planned_failover(RG, VAULT, *lin01, body)
    sim.advance(900)
    item = poller.result()
    assert item.properties.protection_state == "PlannedFailoverCommitRequired"
    assert item.properties.active_location == "Recovery"
    assert "Failback" not in item.properties.allowed_operations
    committed = sim.commit(lin01)
    sim.advance(600)
    assert "Failback" in committed.result().properties.allowed_operations
    with sim.locked() as world:
        machine = world.machines["lin01"]
        assert machine.azure_state == "running" and machine.onprem_state == "off"
    assert sim.control.invariants() == []


def test_failed_job_restart_runs_the_failback_again_as_a_new_job(sim: Sim) -> None:
    sim.control.fault(kind="job_failure", task="VmFailover", vm="web01")
    sim.failback(WEB01, "ForSynchronization")
    first = sim.job_id_of(WEB01)
    sim.advance(7200)
    failed = sim.job(first)
    assert failed.properties.state == "Failed"
    assert failed.properties.allowed_actions == ["Restart"]
    restarted = sim.asr.replication_jobs.begin_restart(RG, VAULT, first)
    sim.advance(7200)
    job = restarted.result()
    assert job.name != first
    assert job.properties.state == "Succeeded"
    assert sim.item(WEB01).properties.active_location == "Primary"


def test_unplanned_failover_to_azure_and_refusal_in_the_other_direction(sim: Sim) -> None:
    from azure.core.exceptions import HttpResponseError
    from azure.mgmt.recoveryservicessiterecovery import models as m

    lin01 = ("site-hq", "hq-container", "rpi-lin01")
    body = m.UnplannedFailoverInput(
        properties=m.UnplannedFailoverInputProperties(
            failover_direction="PrimaryToRecovery",
            source_site_operations="Required",
            provider_specific_details=m.HyperVReplicaAzureUnplannedFailoverInput(),
        )
    )
    poller = sim.track(sim.asr.replication_protected_items.begin_unplanned_failover(RG, VAULT, *lin01, body))
    sim.advance(900)
    item = poller.result()
    assert item.properties.protection_state == "UnplannedFailoverCommitPendingStatesBegin"
    with sim.locked() as world:
        assert world.machines["lin01"].onprem_state == "off"  # sourceSiteOperations Required: shut down first
    back = m.UnplannedFailoverInput(
        properties=m.UnplannedFailoverInputProperties(
            failover_direction="RecoveryToPrimary", source_site_operations="NotRequired"
        )
    )
    try:
        sim.asr.replication_protected_items.begin_unplanned_failover(RG, VAULT, *WEB01, back)
    except HttpResponseError as error:
        assert error.status_code == 400
        assert error.error.code == "OperationNotSupported"
    else:
        raise AssertionError("Hyper-V failback must be a planned failover (H1)")


def test_refresh_provider_runs_a_short_job(sim: Sim) -> None:
    poller = sim.track(
        sim.asr.replication_recovery_services_providers.begin_refresh_provider(
            RG, VAULT, "site-hq", "hv-host-01"
        )
    )
    sim.advance(60)
    provider = poller.result()
    assert provider.name == "hv-host-01"
    assert provider.properties.connection_status == "Connected"


def test_alternate_host_without_the_virtual_switch_fails_at_preflight_H9(sim: Sim) -> None:
    target = sim.asr.replication_recovery_services_providers.get(RG, VAULT, "site-hq", "hv-host-04")
    poller = sim.failback(
        WEB01,
        "ForDownTime",
        recovery_vm_creation_option="CreateVmIfNotFound",
        provider_id_for_alternate_recovery=target.id,
    )
    job_name = sim.job_id_of(WEB01)
    sim.advance(60)
    job = sim.job(job_name)
    assert job.properties.state == "Failed"
    details = job.properties.errors[0].service_error_details
    assert details.code == "70041"
    assert "vSwitch-Prod" in details.message and "hv04.contoso.local" in details.message
    with sim.locked() as world:
        assert world.machines["web01"].onprem_host == "hv-host-01"  # nothing moved
    try:
        poller.result()
    except Exception as error:  # the SDK raises HttpResponseError with the job's error
        assert "70041" in str(error)
