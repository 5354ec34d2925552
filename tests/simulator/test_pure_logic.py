"""Pure logic of the simulator: time windows, heartbeat minutes, disk counters, job filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator.models.logs import QueryFailure, parse_timespan
from simulator.models.machines import Disk, Machine

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_timespan_forms_of_the_logs_client() -> None:
    now = T0 + timedelta(hours=5)
    assert parse_timespan(None, now) == (None, now)
    assert parse_timespan("PT3600.0S", now) == (now - timedelta(hours=1), now)
    assert parse_timespan("2026-01-01T00:00:00Z/PT1H", now) == (T0, T0 + timedelta(hours=1))
    assert parse_timespan("2026-01-01T00:00:00+00:00/2026-01-01T02:00:00+00:00", now) == (
        T0,
        T0 + timedelta(hours=2),
    )
    with pytest.raises(QueryFailure):
        parse_timespan("yesterday", now)


def test_heartbeats_fall_on_whole_minutes_after_boot_and_stop_with_the_vm() -> None:
    vm = Machine("vm", "Windows", [Disk("d", 10)])
    vm.start_onprem(T0)
    beats = vm.heartbeat_minutes(T0, T0 + timedelta(minutes=5))
    assert beats == [T0 + timedelta(minutes=m) for m in range(1, 6)]
    assert vm.heartbeat_minutes(T0 + timedelta(seconds=90), T0 + timedelta(minutes=3)) == [
        T0 + timedelta(minutes=2),
        T0 + timedelta(minutes=3),
    ]
    vm.stop_onprem(T0 + timedelta(minutes=3, seconds=30))
    assert vm.heartbeat_minutes(T0, T0 + timedelta(hours=1))[-1] == T0 + timedelta(minutes=3)


def test_running_vms_write_and_syncs_move_only_what_is_missing() -> None:
    disk = Disk("d", 1, write_rate_mb_s=1.0)
    vm = Machine("vm", "Windows", [disk])
    vm.start_azure(T0)
    at = T0 + timedelta(seconds=100)
    assert vm.azure_written(disk, at) == 100
    assert vm.pending_to_onprem_mb(at) == 100
    assert vm.sync_to_onprem(at) == 100
    assert vm.pending_to_onprem_mb(at) == 0
    vm.stop_azure(at)
    assert vm.azure_written(disk, at + timedelta(hours=1)) == 100  # a stopped VM writes nothing
    vm.start_azure(at)
    assert vm.pending_to_onprem_mb(at + timedelta(hours=2)) == 1024  # capped at the disk size


def test_job_filter_clauses() -> None:
    from types import SimpleNamespace

    from simulator.handlers.jobs import job_filter

    job = SimpleNamespace(
        state="Succeeded",
        start_time=T0,
        end_time=T0 + timedelta(minutes=5),
        scenario_name="PlannedFailover",
        target=SimpleNamespace(target_instance_type="ProtectionEntity", name="rpi-x", fabric=None),
    )
    assert job_filter("Status eq 'Succeeded' and StartTime ge '2025-12-31T00:00:00Z'")(job)
    assert not job_filter("Status eq 'Failed'")(job)
    assert not job_filter("EndTime lt '2026-01-01T00:01:00Z'")(job)
    assert job_filter("JobName eq 'PlannedFailover' and Something odd")(job)
    assert job_filter("")(job)
