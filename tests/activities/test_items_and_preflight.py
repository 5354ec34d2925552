"""resolve_item / get_item / preflight against the simulator (H2a–H2e, H3b, issue 4 §2)."""

import pytest

from activities.items import read_item, resolve
from activities.operations import start
from activities.preflight import check
from domain.errors import FailbackError
from domain.request import parse_failback_request

WEB01 = {"fabric": "site-hq", "container": "hq-container", "name": "rpi-web01"}


def _request(env, **fields):
    body = {
        "vault": env.vault,
        "item": {"friendlyName": "web01"},
        "approval": {"approvers": ["ops@contoso.com"]},
        "verification": {"workspaceId": "11111111-2222-3333-4444-555555555555", "computer": "web01"},
    }
    body.update(fields)
    return parse_failback_request(body).to_dict()


def _preflight(env, **fields):
    return check(env.payload(request=_request(env, **fields)), env.settings)


def _failed(result):
    return {c["id"]: c for c in result["checks"] if not c["passed"]}


def test_resolve_by_asr_name_and_by_friendly_name(env):
    by_name = resolve(env.payload(item={"name": "RPI-WEB01"}), env.settings)
    by_friendly = resolve(env.payload(item={"friendlyName": "web01"}), env.settings)
    assert by_name["item"] == by_friendly["item"] == WEB01
    facts = by_friendly["facts"]
    assert facts["activeLocation"] == "Recovery"
    assert facts["useManagedDisks"] is True
    assert facts["diskSizeGB"] == 127.0
    assert facts["currentScenario"] is None


def test_unknown_item_is_item_not_found_with_the_known_names(env):
    with pytest.raises(FailbackError) as info:
        resolve(env.payload(item={"friendlyName": "nope01"}), env.settings)
    assert info.value.code == "ITEM_NOT_FOUND"
    assert "web01" in info.value.message


def test_get_item_reads_facts_of_a_known_item(env):
    facts = read_item(env.payload(item=WEB01), env.settings)
    assert facts["name"] == "rpi-web01" and "Failback" in facts["allowedOperations"]


def test_preflight_passes_for_a_committed_item_and_recommends_before_failover_H3a(env):
    result = _preflight(env)
    assert result["passed"] is True, _failed(result)
    assert result["item"] == WEB01
    assert result["recommendation"]["dataSyncOption"] == "before-failover"
    assert result["recommendation"]["asrDataSyncOption"] == "ForDownTime"
    assert env.sim.control.requests()["writes"] == 0


def test_preflight_recommends_during_failover_after_45_days_in_azure_H3b(env):
    result = _preflight(
        env,
        item={"name": "rpi-old01"},
        verification={"workspaceId": "11111111-2222-3333-4444-555555555555", "computer": "old01"},
    )
    assert result["recommendation"]["dataSyncOption"] == "during-failover"
    assert "45 days" in result["recommendation"]["reason"]


@pytest.mark.parametrize(
    ("friendly", "rule", "evidence"),
    [
        ("legacy01", "H2a", "useManagedDisks=False"),
        ("db01", "H2b", "connectionStatus=NotConnected"),
        ("file01", "H2c", "UnplannedFailoverCommitPendingStatesBegin"),
        ("lin01", "ACTIVE_IN_AZURE", "activeLocation=Primary"),
    ],
)
def test_each_preflight_failure_carries_evidence_and_changes_nothing(env, friendly, rule, evidence):
    result = _preflight(env, item={"friendlyName": friendly})
    failed = _failed(result)
    assert result["passed"] is False
    assert rule in failed, failed
    assert evidence in failed[rule]["evidence"]
    assert failed[rule]["remedy"]
    assert env.sim.control.requests()["writes"] == 0


def test_alternate_location_needs_a_known_host_in_a_hyperv_site_H2d_H9(env):
    ok = _preflight(env, location="alternate", targetHost="hv02")
    assert ok["passed"] is True, _failed(ok)
    unknown = _failed(_preflight(env, location="alternate", targetHost="hv99"))
    assert "not a registered host" in unknown["H2d"]["evidence"]
    down = _failed(_preflight(env, location="alternate", targetHost="hv03.contoso.local"))
    assert "NotConnected" in down["H2d"]["evidence"]
    vmm = _failed(_preflight(env, item={"friendlyName": "app01"}, location="alternate", targetHost="hv02"))
    assert "HyperVSite" in vmm["H2d"]["evidence"]


def test_a_failback_under_way_is_adopted_unless_a_live_run_drives_it(env):
    """Issue 4 idempotence: the item's own failback under way passes as "adopting job <id>"."""
    started = start(
        env.payload(item=WEB01, dataSyncOption="before-failover", location="original"), env.settings
    )
    adopting = _preflight(env, dataSync="during-failover")
    idle = {c["id"]: c for c in adopting["checks"]}["IDLE"]
    assert adopting["passed"] and idle["evidence"].startswith(f"adopting job {started['jobId']}")
    assert adopting["facts"]["currentScenario"]["dataSyncOption"] == "before-failover"
    assert adopting["recommendation"]["source"] == "adopted-job"
    # The same job driven by another run in progress (seen by the HTTP layer) is refused.
    request = {**_request(env), "liveRunJobs": {started["jobId"]: "fb-vault-dr-web01-20260101000000"}}
    failed = _failed(check(env.payload(request=request), env.settings))
    assert "IDLE" in failed
    assert (
        started["jobId"] in failed["IDLE"]["evidence"] and "fb-vault-dr-web01" in failed["IDLE"]["evidence"]
    )
