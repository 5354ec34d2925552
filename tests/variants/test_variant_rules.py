"""Pure rules of the variants (issue 7): V4 retry window, V1 input choice, waves requests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import RequestInvalid
from domain.request import parse_failback_request
from domain.vmware import choose_classic_inputs
from orchestrators.variants.vmware import agent_retry

BASE = {
    "vault": {"subscriptionId": "00000000-0000-0000-0000-000000000001", "resourceGroup": "rg", "name": "v"},
    "approval": {"approvers": ["a@x"]},
    "verification": {"workspaceId": "11111111-2222-3333-4444-555555555555"},
}


def test_agent_not_registered_is_retried_for_15_minutes_plus_margin_only_V4() -> None:
    failure = "ASR job j failed: 78060: The mobility service agent isn't installed"
    assert agent_retry("sync", failure, timedelta(0)) == timedelta(minutes=2)
    assert agent_retry("reprotect", failure, timedelta(minutes=20)) == timedelta(minutes=2)
    assert agent_retry("sync", failure, timedelta(minutes=24)) is None  # past 15 min + margin
    assert agent_retry("sync", "78063: NFS datastore", timedelta(0)) is None  # other failures stop
    assert agent_retry("switchover", failure, timedelta(0)) is None


def test_master_target_with_the_vms_os_and_room_for_its_disks_is_chosen_V1_V3() -> None:
    cs = {
        "hostName": "cs01",
        "processServers": [
            {"id": "ps-cs", "friendlyName": "cs01"},
            {"id": "ps-azure", "friendlyName": "ps-az"},
        ],
        "masterTargetServers": [
            {
                "id": "mt-win",
                "osType": "Windows",
                "diskCount": 2,
                "dataStores": [{"symbolicName": "d1", "type": "VMFS"}],
            },
            {
                "id": "mt-lin-full",
                "osType": "Linux",
                "diskCount": 59,
                "dataStores": [{"symbolicName": "d2", "type": "VMFS"}],
            },
            {
                "id": "mt-lin",
                "osType": "Linux",
                "diskCount": 1,
                "dataStores": [{"symbolicName": "n", "type": "NFS"}, {"symbolicName": "v", "type": "vSAN"}],
            },
        ],
    }
    chosen = choose_classic_inputs({"osType": "Linux", "diskCount": 2}, cs, {})
    assert chosen == {
        "masterTargetId": "mt-lin",
        "processServerId": "ps-azure",
        "datastoreName": "v",
        "retentionDrive": "/mnt/retention",
        "runAsAccountId": None,
    }


def test_waves_request_refuses_duplicates_and_missing_alternate_hosts_with_every_reason() -> None:
    body = {
        **BASE,
        "kind": "waves",
        "location": "alternate",
        "waves": [{"items": ["a", "b"]}, {"items": ["A", {"friendlyName": "c", "targetHost": "h"}]}],
        "wavePolicy": {"parallelism": 0, "approval": "sometimes"},
    }
    with pytest.raises(RequestInvalid) as err:
        parse_failback_request(body)
    text = str(err.value)
    assert "already in a wave" in text
    assert "parallelism" in text and "approval" in text
    assert "missing for a, b" in text


def test_plan_request_is_addressed_by_its_plan_and_checks_each_vm() -> None:
    request = parse_failback_request({**BASE, "kind": "recovery-plan", "recoveryPlan": "rp-hyperv"})
    assert request.item.label == "rp-hyperv"
    assert request.verification.computer == "*"
    assert request.to_dict()["recoveryPlan"] == "rp-hyperv"


def test_shared_waits_meet_on_the_same_grid_point_whatever_their_own_delay() -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from activities.tick_cache import tick_of
    from orchestrators.job_wait import shared_delay, shared_tick

    a = SimpleNamespace(current_utc_datetime=datetime(2026, 1, 1, 10, 0, 7, tzinfo=UTC))
    b = SimpleNamespace(current_utc_datetime=datetime(2026, 1, 1, 10, 0, 41, tzinfo=UTC))
    wake_a = a.current_utc_datetime + shared_delay(a, timedelta(seconds=20))
    wake_b = b.current_utc_datetime + shared_delay(b, timedelta(seconds=5))
    assert wake_a == wake_b == datetime(2026, 1, 1, 10, 1, 0, tzinfo=UTC)
    later = SimpleNamespace(current_utc_datetime=wake_a)
    assert shared_tick(later) == tick_of(wake_a) == "2026-01-01T10:01:00Z"


def test_vmware_failback_to_another_vcenter_names_the_vcenter_master_target_and_datastore() -> None:
    """Seed 002 (alternate vCenter): the request names where the VM goes; what is missing is said."""
    vm = {
        "item": {"friendlyName": "vmw-win01"},
        "verification": {"workspaceId": "11111111-2222-3333-4444-555555555555", "computer": "vmw-win01"},
    }
    body = {**BASE, **vm, "kind": "vmware-classic", "location": "alternate"}
    with pytest.raises(RequestInvalid) as err:
        parse_failback_request({**body, "targetHost": "h", "vmware": {"vCenter": "vcenter02"}})
    text = str(err.value)
    assert "missing vmware.masterTarget, vmware.datastore" in text
    assert "master target's ESXi host" in text  # targetHost has no meaning for VMware
    vmware = {"vCenter": "vcenter02", "masterTarget": "mt-win-02", "datastore": "datastore-vmfs-03"}
    request = parse_failback_request({**body, "vmware": vmware})
    assert request.location == "alternate" and request.extra["vmware"]["vCenter"] == "vcenter02"
    with pytest.raises(RequestInvalid, match="only with location 'alternate'"):
        parse_failback_request({**BASE, **vm, "kind": "vmware-classic", "vmware": {"vCenter": "vcenter02"}})
