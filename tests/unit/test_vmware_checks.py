"""Seed 002 instructions added in issue 16: the retention drive's wait and the attested items."""

from __future__ import annotations

from domain.vmware_checks import SEED_CHECKLIST, retention_wait

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
