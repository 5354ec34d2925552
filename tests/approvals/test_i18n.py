"""Japanese and English from the gettext catalogs (issue 13, part 2)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from babel.messages.pofile import read_po

from domain import i18n
from function_app.status_pages import render_status_page
from notifications.compose import compose
from tests.approvals.test_status_outcomes import finished

ROOT = Path(__file__).resolve().parents[2]


def placeholders(text: str) -> set[tuple[str, str]]:
    return set(re.findall(r"%\((\w+)\)s|\{(\w+)\}", text))


def catalog_ids(path: Path) -> set[str]:
    with path.open("rb") as fh:
        return {m.id for m in read_po(fh, abort_invalid=True) if m.id}


def extracted_ids(tmp_path: Path) -> set[str]:
    """The ids marked in today's sources, extracted as the README says (``pybabel extract``)."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "locale/babel.cfg"]
        + [arg for k in ("N_", "tr", "OutcomeView:1") for arg in ("-k", k)]
        + ["--no-location", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return catalog_ids(pot)


def test_every_marked_string_is_in_both_catalogs_and_translated_into_japanese(tmp_path: Path) -> None:
    source = extracted_ids(tmp_path)
    assert len(source) > 150
    for lang in ("en", "ja"):
        assert source <= catalog_ids(ROOT / "locale" / lang / "LC_MESSAGES" / "messages.po"), lang
    with (ROOT / "locale/ja/LC_MESSAGES/messages.po").open("rb") as fh:
        untranslated = [m.id for m in read_po(fh) if m.id and not m.string]
    assert untranslated == []


def test_accept_language_setting_and_explicit_choice_pick_the_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert i18n.negotiate("ja-JP,ja;q=0.9,en;q=0.8") == "ja"
    assert i18n.negotiate("en-US,en;q=0.9,ja;q=0.8") == "en"
    assert i18n.negotiate("fr-FR") == "en"
    monkeypatch.setenv("FAILBACK_LANGUAGE", "ja")
    assert i18n.negotiate("fr-FR") == "ja" and i18n.negotiate(None) == "ja"
    assert i18n.negotiate("ja", explicit="en") == "en"


def test_times_show_in_the_display_time_zone_with_the_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAILBACK_DISPLAY_TIMEZONE", "Asia/Tokyo")
    assert i18n.format_when("2026-03-01T13:00:00Z", "ja") == "2026年3月1日 22:00 (UTC+09:00)"
    assert i18n.format_when("2026-03-01T13:00:00.123456+00:00", "en") == "Mar 1, 2026 22:00 (UTC+09:00)"


def test_status_page_in_japanese_says_what_was_found_and_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAILBACK_DISPLAY_TIMEZONE", "Asia/Tokyo")
    html = render_status_page(finished("rejected"), "ja")
    assert '<html lang="ja">' in html
    assert "事前チェックに不合格: 何も変更されていません" in html and "対処方法" in html
    assert "(UTC+09:00)" in html and ">Completed" not in html


def test_approval_message_in_japanese_has_deadline_and_initiator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAILBACK_DISPLAY_TIMEZONE", "Asia/Tokyo")
    msg = compose(
        {
            "kind": "approval-request",
            "runId": "fb-1",
            "expiresAt": "2026-03-01T15:00:00Z",
            "summary": {"vm": "web01", "initiator": "ops@contoso.com", "downtimeEstimateMinutes": 12},
        },
        [],
        lang="ja",
    )
    assert msg.subject == "承認が必要です: web01 のフェールバック"
    facts = dict(msg.facts)
    assert facts["決定期限"] == "2026年3月2日 00:00 (UTC+09:00)"
    assert facts["開始者"] == "ops@contoso.com" and facts["推定ダウンタイム (分)"] == "12"


def test_every_msgid_of_the_committed_template_has_a_japanese_translation(tmp_path: Path) -> None:
    """Issue 13, part 6: locale/messages.pot is the extract of today's sources, all of it in Japanese."""
    with (ROOT / "locale/messages.pot").open("rb") as fh:
        committed = {m.id for m in read_po(fh) if m.id}
    assert extracted_ids(tmp_path) == committed  # regenerate the pot (README) when this fails
    with (ROOT / "locale/ja/LC_MESSAGES/messages.po").open("rb") as fh:
        japanese = {m.id: m.string for m in read_po(fh, locale="ja", abort_invalid=True) if m.id}
    assert sorted(i for i in committed if not japanese.get(i)) == []
    # placeholders survive translation: the Japanese text formats with the English text's arguments
    for msgid in committed:
        assert placeholders(japanese[msgid]) == placeholders(msgid), msgid


def test_problem_details_answer_in_the_callers_language(host: Any) -> None:
    """Issue 13, part 6: an API client sending Accept-Language: ja reads the problem in Japanese."""
    key = {"code": host.function_key}
    ja = requests.get(
        f"{host.base_url}/api/failbacks/fb-vault-dr-nothing-20260101000000",
        params=key,
        headers={"Accept": "application/json", "Accept-Language": "ja-JP,ja;q=0.9"},
        timeout=10,
    )
    assert ja.status_code == 404
    assert ja.headers["Content-Type"].startswith("application/problem+json")
    assert ja.headers["Content-Language"] == "ja"
    body = ja.json()
    assert body["title"] == "不明なフェイルバック実行"
    assert body["detail"] == "フェイルバック実行 'fb-vault-dr-nothing-20260101000000' はありません。"
    en = requests.post(f"{host.base_url}/api/failbacks", params=key, data=b"{not json", timeout=10)
    assert en.status_code == 400 and en.json()["title"] == "Invalid JSON"
    bad = requests.post(
        f"{host.base_url}/api/failbacks",
        params=key,
        data=b"{not json",
        headers={"Accept-Language": "ja"},
        timeout=10,
    )
    assert bad.status_code == 400 and bad.json()["title"] == "JSON が不正です"
    assert bad.json()["detail"] == "本文が正しい JSON ではありません。"
    assert bad.json()["errors"] == ["body: not valid JSON"]  # for programs: unchanged


def test_an_invalid_failback_request_lists_its_reasons_in_the_callers_language(host: Any) -> None:
    """Issue 13, part 6 (H1): ``errors`` stays English for programs; ``localizedErrors`` is for people."""
    key = {"code": host.function_key}
    body = {"vault": {"subscriptionId": "not-a-guid", "resourceGroup": "rg-dr"}, "colour": "blue"}
    en = requests.post(f"{host.base_url}/api/failbacks", params=key, json=body, timeout=10)
    ja = requests.post(
        f"{host.base_url}/api/failbacks", params=key, json=body, headers={"Accept-Language": "ja"}, timeout=10
    )
    assert en.status_code == ja.status_code == 400
    assert ja.headers["Content-Type"].startswith("application/problem+json")
    english, japanese = en.json(), ja.json()
    assert japanese["errors"] == english["errors"] == english["localizedErrors"]  # programs read English
    assert any(e.startswith("colour: unknown field (allowed: ") for e in english["errors"])
    assert japanese["title"] == i18n.gettext_for("ja")("Invalid failback request")
    lines = japanese["localizedErrors"]
    assert len(lines) == len(english["errors"])
    assert any(line.startswith("colour: 不明なフィールドです (指定できるもの: ") for line in lines)
    assert "item: 必須です" in lines and "vault.name: 必須です" in lines
    assert any(
        line.startswith("vault.subscriptionId: 00000000-0000-0000-0000-000000000000 のような GUID")
        for line in lines
    )
