"""Issue 13, part 6: the ADOPTED evidence, the retention wait and request refusals in ja and en.

The English texts stay what programs and tests read; the recorded catalog messages give the same
text in the reader's language, field paths and values untouched.
"""

from __future__ import annotations

import pytest

from domain.errors import RequestInvalid
from domain.i18n import localize_check, localized
from domain.items import fabric_facts, item_facts
from domain.preflight import run_preflight
from domain.request import parse_failback_request
from domain.vmware_checks import retention_gave_up, retention_gave_up_message, retention_wait
from tests.unit.samples import NOW, fabric, provider, request_body, rpi


def test_the_adopted_check_reads_in_japanese_and_its_english_is_unchanged_H2() -> None:
    """H2 (issue 12, part 4): an operator reading Japanese sees where ASR is and what the run does."""
    item = rpi(
        protectionState="RestoreFinalized", activeLocation="Primary", allowedOperations=["ReverseReplicate"]
    )
    request = parse_failback_request(request_body())
    result = run_preflight(
        item_facts(item, on_prem_vm_present=True), fabric_facts(fabric(), [provider()]), request, NOW
    )
    adopted = next(c for c in result["checks"] if c["id"] == "ADOPTED")
    assert adopted["evidence"].startswith(
        "ASR shows the failback committed (protectionState=RestoreFinalized)"
    )
    ja = localize_check(adopted, "ja")
    assert ja["evidence"].startswith(
        "ASR ではフェイルバックがコミット済みです (protectionState=RestoreFinalized)"
    )
    assert "逆方向レプリケーションを開始します" in ja["evidence"]
    assert result["adopted"]["explain"]["text"] == adopted["evidence"]


def test_the_retention_wait_and_its_give_up_remedy_read_in_japanese_V3() -> None:
    """V3 (seed 002): the wait's reason and the remedy after it, in the reader's language."""
    wait = retention_wait(
        [{"id": "V3-retention", "passed": False}],
        {"retentionDrive": "R:", "masterTargetId": "mt-win-01"},
        [],
        {"fabric": "cs", "provider": "cs01"},
    )
    assert wait is not None
    assert localized(wait["reasonMessage"], "en") == wait["reason"]
    reason_ja = localized(wait["reasonMessage"], "ja")
    assert "保持ドライブ R: はマスター ターゲット mt-win-01 にまだ表示されていません" in reason_ja
    assert "2 分ごとに再確認します" in reason_ja
    remedy = retention_gave_up_message(wait)
    assert remedy["text"] == retention_gave_up(wait) and remedy["text"].startswith(wait["reason"])
    remedy_ja = localized(remedy, "ja")
    assert remedy_ja.startswith(reason_ja)  # the nested reason is in Japanese too
    assert "構成サーバーを更新してから" in remedy_ja


def test_a_wait_recorded_before_its_reason_was_a_message_keeps_its_english_V3() -> None:
    """Runs in flight: a wait recorded by the previous version has only the English reason."""
    old = {"reason": "The retention drive R: is not listed yet."}
    assert localized(retention_gave_up_message(old), "ja").startswith(
        "The retention drive R: is not listed yet. "
    )


def test_request_refusals_have_japanese_lines_with_the_same_field_paths_H1() -> None:
    """H1: each English reason has its Japanese line; paths, values and allowed names as sent."""
    body = request_body(
        vault={"subscriptionId": "not-a-guid", "resourceGroup": "rg-dr"},
        dataSync="sometimes",
        approval={"approvers": ["a@contoso.com"], "quorum": 99},
        colour="blue",
    )
    with pytest.raises(RequestInvalid) as refused:
        parse_failback_request(body)
    invalid = refused.value
    assert invalid.messages is not None
    assert [m["text"] for m in invalid.messages] == invalid.reasons
    assert [localized(m, "en") for m in invalid.messages] == invalid.reasons
    ja = "\n".join(localized(m, "ja") for m in invalid.messages)
    assert "colour: 不明なフィールドです (指定できるもの: " in ja
    assert "vault.subscriptionId: 00000000-0000-0000-0000-000000000000 のような GUID で指定してください" in ja
    assert "(指定値: 'not-a-guid')" in ja
    assert "vault.name: 必須です" in ja
    assert "dataSync: 'sometimes' は " in ja and "のいずれでもありません" in ja
    assert "approval.quorum: 1 以上 50 以下で指定してください (承認が必要な承認者の人数 (重複なし))" in ja


def test_kind_rules_and_a_non_object_body_read_in_japanese_H2e() -> None:
    """H2e: the recovery plan's alternate-location refusal and the body's shape, in Japanese."""
    with pytest.raises(RequestInvalid) as plan:
        parse_failback_request(
            request_body(kind="recovery-plan", recoveryPlan="rp-web", location="alternate")
        )
    ja = [localized(m, "ja") for m in plan.value.messages or []]
    assert any(line.startswith("location: 復旧計画では 'alternate' は指定できません (H2e)") for line in ja)
    with pytest.raises(RequestInvalid) as shape:
        parse_failback_request([1, 2])
    assert shape.value.reasons == ["body: must be a JSON object"]
    assert [localized(m, "ja") for m in shape.value.messages or []] == [
        "body: JSON オブジェクトで指定してください"
    ]
