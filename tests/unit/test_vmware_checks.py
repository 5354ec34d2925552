"""Seed 002 instructions added in issue 16: the retention drive's wait and the attested items."""

from __future__ import annotations

from domain.i18n import localize_check
from domain.vmware_checks import SEED_CHECKLIST, retention_wait, vcenter_rules
from domain.vmware_rules import group_rules

INPUTS = {"retentionDrive": "R:", "masterTargetId": "mt-win-01"}
CS = {"fabric": "cs", "provider": "cs01"}
RETENTION_FAILED = {"id": "V3-retention", "passed": False}


def test_only_a_drive_not_listed_yet_is_waited_for_with_a_refresh() -> None:
    wait = retention_wait([{"id": "V3-cs", "passed": True}, RETENTION_FAILED], INPUTS, [], CS)
    assert wait is not None
    assert wait["refresh"] == CS and wait["everySeconds"] == 120 and wait["forSeconds"] == 20 * 60
    assert "R:" in wait["reason"] and "up to 15 minutes to appear" in wait["reason"]
    assert "最大 15 分" in wait["reason"]


def test_no_wait_when_something_else_fails_or_the_drive_is_listed() -> None:
    other = [{"id": "V3-cs", "passed": False}, RETENTION_FAILED]
    assert retention_wait(other, INPUTS, [], CS) is None  # waiting would not fix the CS
    listed = [{"volumeName": "R:", "capacityInBytes": 0}]
    assert retention_wait([RETENTION_FAILED], INPUTS, listed, CS) is None  # size zero: waiting won't help
    assert retention_wait([{"id": "V3-retention", "passed": True}], INPUTS, [], CS) is None


def test_each_attested_item_states_the_remedy_and_quotes_its_seed_sentence() -> None:
    ids = [i["id"] for i in SEED_CHECKLIST]
    assert ids == ["V3-cs-database", "V3-ports", "V5-onprem-off"]
    for item in SEED_CHECKLIST:
        assert "seed 002: 「" in item["text"]
    texts = " ".join(i["text"] for i in SEED_CHECKLIST)
    assert "same IP address" in texts and "port 443" in texts and "turns the on-premises VM on" in texts


def _vc(name: str, account: str, errors: list[dict] | None = None, status: str = "Completed") -> dict:
    props = {"friendlyName": f"{name}.contoso.local", "runAsAccountId": account, "discoveryStatus": status}
    return {"name": name, "properties": {**props, "healthErrors": errors or []}}


CS_DETAILS = {
    "masterTargetServers": [
        {"id": "mt-win-02", "dataStores": [{"symbolicName": "datastore-vmfs-03", "type": "VMFS"}]},
        {"id": "mt-win-03", "dataStores": []},
    ]
}
READ_ONLY = {
    "errorCode": "78064",
    "errorMessage": "Datastores could not be listed with the account vcenter-readonly.",
}


def test_another_vcenter_must_be_discovered_with_its_master_target_and_datastore() -> None:
    vcenters = [_vc("vcenter01", "vcenter-admin"), _vc("vcenter02", "vcenter-admin")]
    chosen = {"vCenter": "vcenter02"}
    good = {"masterTargetId": "mt-win-02", "datastoreName": "datastore-vmfs-03"}
    (check,) = vcenter_rules(vcenters, CS_DETAILS, chosen, good, location="alternate")
    assert check["id"] == "V3-vcenter-target" and check["passed"], check
    unknown = vcenter_rules(vcenters, CS_DETAILS, {"vCenter": "vcenter09"}, good, location="alternate")
    assert not unknown[0]["passed"] and "not discovered" in unknown[0]["evidence"]
    assert "新しい vCenter とマスター ターゲット サーバーが" in unknown[0]["remedy"]
    hidden = {"masterTargetId": "mt-win-03", "datastoreName": "datastore-vmfs-03"}
    assert not vcenter_rules(vcenters, CS_DETAILS, chosen, hidden, location="alternate")[0]["passed"]
    failed = [_vc("vcenter02", "vcenter-admin", status="Failed")]
    assert not vcenter_rules(failed, CS_DETAILS, chosen, good, location="alternate")[0]["passed"]
    assert vcenter_rules(vcenters, CS_DETAILS, {}, {}, location="original") == []


def test_an_account_the_api_shows_cannot_list_datastores_is_refused_with_the_remedy() -> None:
    vcenters = [_vc("vcenter01", "vcenter-admin"), _vc("vcenter02", "vcenter-readonly", [READ_ONLY])]
    (check,) = vcenter_rules(
        vcenters, CS_DETAILS, {}, {"runAsAccountId": "vcenter-readonly"}, location="original"
    )
    assert check["id"] == "V3-runas-datastores" and not check["passed"]
    assert "78064" in check["evidence"]
    assert "update the vCenter credentials" in check["remedy"] and "vCenter 資格情報を更新" in check["remedy"]
    (fine,) = vcenter_rules(
        vcenters, CS_DETAILS, {}, {"runAsAccountId": "vcenter-admin"}, location="original"
    )
    assert fine["passed"]


def test_V5_group_checks_read_in_japanese_and_keep_their_english_text() -> None:
    """V3/V5 (issue 13): the shared VMware rules record catalog texts; English stays as before."""
    group = [{"osType": "Windows", "masterTargetId": "mt1"}, {"osType": "Linux", "masterTargetId": "mt1"}]
    facts = {"replicationGroup": "rg-web", "recoveryPlan": "plan-web"}
    os_check, v5 = group_rules(facts, group, via_plan=False)
    assert os_check["evidence"] == "group rg-web: OS types ['Linux', 'Windows'], master targets ['mt1']"
    assert v5["remedy"] == "Fail back with kind 'recovery-plan' and recoveryPlan 'plan-web'."
    ja = localize_check(v5, "ja")
    assert ja["rule"] == "レプリケーション グループは復旧計画を通してのみフェールバックすること"
    assert ja["evidence"] == "グループ rg-web、復旧計画 plan-web、計画経由=False"
    assert "recoveryPlan に 'plan-web'" in ja["remedy"]
