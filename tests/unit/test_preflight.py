"""Pre-flight rules H2a–H2e, H4, idle item, item active in Azure: each with evidence."""

import pytest

from domain.i18n import localize_check
from domain.items import fabric_facts, item_facts
from domain.preflight import failure_summary, run_preflight
from domain.request import parse_failback_request
from domain.site_health import find_host
from tests.unit.samples import NOW, fabric, provider, request_body, rpi, rpi_details

THUMB = "3F2A9C6B1D8E4F7A0B5C2D9E6F1A8B3C4D7E0F21"


def _run(item=None, site=None, providers=None, present=True, **req):
    facts = item_facts(item or rpi(), on_prem_vm_present=present)
    fab = fabric_facts(site or fabric(), providers if providers is not None else [provider()])
    return run_preflight(facts, fab, parse_failback_request(request_body(**req)), NOW)


def _check(result, rule_id):
    return next(c for c in result["checks"] if c["id"] == rule_id)


def test_healthy_item_passes_every_rule():
    result = _run()
    assert result["passed"] is True
    assert {c["id"] for c in result["checks"]} == {
        "H2a",
        "H2b",
        "H2c",
        "H2d",
        "H2e",
        "H4",
        "IDLE",
        "ACTIVE_IN_AZURE",
    }
    assert all(c["evidence"] for c in result["checks"])
    assert failure_summary(result["checks"]) == "all checks passed"


def test_H2a_storage_account_disks_fail_with_evidence():
    result = _run(item=rpi_details(useManagedDisks="false"))
    check = _check(result, "H2a")
    assert result["passed"] is False and check["passed"] is False
    assert "useManagedDisks=False" in check["evidence"] and check["remedy"]


@pytest.mark.parametrize(
    ("props", "needle"),
    [
        ({"connectionStatus": "NotConnected"}, "connectionStatus=NotConnected"),
        ({"lastHeartBeat": "2026-01-10T10:00:00Z"}, "older than 30 min"),
    ],
)
def test_H2b_disconnected_or_silent_host_fails(props, needle):
    check = _check(_run(providers=[provider(**props)]), "H2b")
    assert check["passed"] is False
    assert needle in check["evidence"]


def test_H2b_no_provider_at_all_fails():
    check = _check(_run(providers=[]), "H2b")
    assert check["passed"] is False and "no provider" in check["evidence"]


def test_H2c_uncommitted_failover_fails():
    item = rpi(protectionState="PlannedFailoverCommitRequired", allowedOperations=["Commit", "ChangePit"])
    check = _check(_run(item=item), "H2c")
    assert check["passed"] is False
    assert "PlannedFailoverCommitRequired" in check["evidence"]


def test_H2d_original_location_without_onprem_vm_fails_unless_create_vm():
    assert _check(_run(present=False), "H2d")["passed"] is False
    assert _check(_run(present=False, createVmIfNotFound=True), "H2d")["passed"] is True
    assert _check(_run(present=None), "H2d")["passed"] is True  # unknown: ASR decides


def test_H2d_alternate_location_needs_hyperv_site_and_known_live_host_H9():
    hosts = [provider(), provider("host-b", "hv-new01.contoso.local")]
    ok = _run(providers=hosts, location="alternate", targetHost="HV-NEW01")
    assert _check(ok, "H2d")["passed"] is True
    unknown = _check(_run(providers=hosts, location="alternate", targetHost="hv-zz"), "H2d")
    assert unknown["passed"] is False and "not a registered host" in unknown["evidence"]
    vmm = _check(
        _run(site=fabric("VMM"), providers=hosts, location="alternate", targetHost="hv-new01"), "H2d"
    )
    assert vmm["passed"] is False and "HyperVSite" in vmm["evidence"]
    down = [provider(), provider("host-b", "hv-new01.contoso.local", connectionStatus="NotConnected")]
    assert _check(_run(providers=down, location="alternate", targetHost="hv-new01"), "H2d")["passed"] is False
    no_create = _run(providers=hosts, location="alternate", targetHost="hv-new01", createVmIfNotFound=False)
    assert "createVmIfNotFound=false" in _check(no_create, "H2d")["evidence"]


def test_H2e_recovery_plan_with_alternate_location_fails():
    facts = item_facts(rpi(), on_prem_vm_present=True, recovery_plan="rp-web")
    req = parse_failback_request(request_body(location="alternate", targetHost="hv-host-a"))
    fab = fabric_facts(fabric(), [provider()])
    item_level = run_preflight(facts, fab, req, NOW)
    assert _check(item_level, "H2e")["passed"] is True
    plan_level = run_preflight(facts, fab, req.model_copy(update={"kind": "recovery-plan"}), NOW)
    check = _check(plan_level, "H2e")
    assert check["passed"] is False and "rp-web" in check["evidence"]


def test_H4_encryption_needs_the_matching_certificate():
    site = fabric("VMM", kekState="Enabled", kekCertThumbprint=THUMB)
    assert _check(_run(site=site), "H4")["passed"] is False
    assert _check(_run(site=site, encryptionCertificate="AA" * 20), "H4")["passed"] is False
    assert _check(_run(site=site, encryptionCertificate=THUMB.lower()), "H4")["passed"] is True
    assert _check(_run(site=fabric("VMM", kekState="None")), "H4")["passed"] is True


def test_item_with_running_scenario_fails_idle_rule():
    item = rpi(
        currentScenario={
            "scenarioName": "TestFailover",
            "jobId": "/x/replicationJobs/j-9",
            "startTime": "2026-01-10T11:00:00Z",
        }
    )
    result = _run(item=item)
    check = _check(result, "IDLE")
    assert check["passed"] is False and "TestFailover job j-9" in check["evidence"]
    assert "IDLE" in failure_summary(result["checks"])


def test_item_active_on_premises_fails_active_rule():
    check = _check(_run(item=rpi(activeLocation="Primary")), "ACTIVE_IN_AZURE")
    assert check["passed"] is False and "activeLocation=Primary" in check["evidence"]


def test_every_failure_is_reported_not_just_the_first():
    item = rpi(activeLocation="Primary", allowedOperations=[])
    item["properties"]["providerSpecificDetails"]["useManagedDisks"] = "false"
    result = _run(item=item, providers=[])
    failed = {c["id"] for c in result["checks"] if not c["passed"]}
    assert {"ACTIVE_IN_AZURE", "H2a", "H2b", "H2c"} <= failed


def test_find_host_matches_short_and_full_names():
    fab = fabric_facts(fabric(), [provider()])
    assert find_host(fab, "hv-host-a")["name"] == "host-a"
    assert find_host(fab, "HV-HOST-A.contoso.local")["name"] == "host-a"
    assert find_host(fab, "host-a")["name"] == "host-a"
    assert find_host(fab, "other") is None


def test_H2b_checks_read_in_japanese_and_keep_their_english_text():
    """H2b (issue 13): every check carries its catalog texts; a list of hosts is joined in both languages."""
    down = [
        provider("host-b", "hv-b", connectionStatus="NotConnected"),  # not the item's own host:
        provider("host-c", "hv-c", connectionStatus="NotConnected"),  # every host is listed
    ]
    result = _run(providers=down)
    assert all("messages" in c for c in result["checks"])
    check = _check(result, "H2b")
    english = localize_check(check, "en")
    assert {k: english[k] for k in ("rule", "evidence", "remedy")} == {
        k: check[k] for k in ("rule", "evidence", "remedy")
    }
    ja = localize_check(check, "ja")
    assert ja["rule"].startswith("オンプレミスの Hyper-V ホスト")
    assert ja["evidence"].count("接続状態 connectionStatus=NotConnected") == 2 and "; " in ja["evidence"]
    assert ja["remedy"].startswith("Hyper-V ホスト / VMM サーバー")
