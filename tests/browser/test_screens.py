"""Phone and desktop screenshots of the approval, status and list pages in ja and en (issue 13).

The PNGs go to docs/screens/ (committed). The approval page is the real page of a running gate;
the status and list pages are the real templates rendered from API bodies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from function_app.status_pages import render_status_page
from function_app.templates import render
from tests.approvals.gate_driver import Gate
from tests.approvals.test_status_outcomes import finished
from tests.browser.conftest import PHONE

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
RUNS = [
    {
        "runId": "fb-vault-dr-web01-20260301130000",
        "outcome": "rejected",
        "tone": "error",
        "label": {"en": "Pre-flight failed", "ja": "事前チェック不合格"},
        "kind": "hyperv",
        "vault": "vault-dr",
        "vms": ["web01"],
        "startedAt": "2026-03-01T13:00:00Z",
        "endedAt": "2026-03-01T13:01:00Z",
        "downtimeSeconds": None,
    },
    {
        "runId": "fb-vault-dr-app01-20260301120000",
        "outcome": "succeeded",
        "tone": "success",
        "label": {"en": "Succeeded", "ja": "成功"},
        "kind": "hyperv",
        "vault": "vault-dr",
        "vms": ["app01"],
        "startedAt": "2026-03-01T12:00:00Z",
        "endedAt": "2026-03-01T12:40:00Z",
        "downtimeSeconds": 612,
    },
]


def shoot(
    browser: Any, name: str, lang: str, html: str | None = None, url: str | None = None
) -> dict[str, int]:
    sizes = {}
    for device, options in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(**options, locale="ja-JP" if lang == "ja" else "en-US")
        page = context.new_page()
        if url:
            page.goto(url + f"?lang={lang}")
        else:
            page.set_content(html or "")
        page.screenshot(path=str(SCREENS / f"{name}-{lang}-{device}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        sizes[device] = int(page.evaluate("document.documentElement.scrollHeight"))
        context.close()
    return sizes


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_approval_page_puts_the_decision_above_the_fold_on_a_phone(
    host: Any, browser: Any, lang: str
) -> None:
    gate = Gate(host, {"approvers": ["alice@x"]})
    url = gate.links()["alice@x"]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url + f"?lang={lang}")
    fold = PHONE["viewport"]["height"]
    for selector in ("h1", "#vm", "#downtime", "#data", "#window", "#deadline"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] + box["height"] <= fold, selector
    assert not page.locator("#evidence").get_attribute("open")  # evidence is collapsed
    assert "(UTC" in page.locator("#deadline").inner_text()
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    print(f"approval page {lang}: {height} px tall on a 390x844 phone")
    assert height < 2000
    context.close()
    shoot(browser, "approval", lang, url=url)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_status_and_list_pages_screens(browser: Any, lang: str) -> None:
    status = render_status_page(finished("rejected"), lang)
    ok = render_status_page(finished("succeeded"), lang)
    runs = [{**r, "label": r["label"][lang]} for r in RUNS]
    listing = render(
        "runs.html",
        lang=lang,
        runs=runs,
        query="",
        filters={"vault": "", "outcome": "", "from": "", "to": ""},
        outcomes=["succeeded", "failed"],
        code="",
    )
    shoot(browser, "status-failed-preflight", lang, html=status)
    shoot(browser, "status-succeeded", lang, html=ok)
    shoot(browser, "runs", lang, html=listing)
    for name in ("status-failed-preflight", "status-succeeded", "runs"):
        assert (SCREENS / f"{name}-{lang}-phone.png").stat().st_size > 10_000


def test_checklist_errors_are_tied_to_their_boxes(host: Any, phone: Any) -> None:
    gate = Gate(host, {"approvers": ["alice@x"]})
    phone.goto(gate.links()["alice@x"])
    phone.locator("input[name=attest]").nth(0).tap()
    phone.locator("#approve").tap()
    phone.wait_for_selector("#form-error")
    missing = phone.locator("input[name=attest]").nth(1)
    assert missing.get_attribute("aria-invalid") == "true"
    described = missing.get_attribute("aria-describedby")
    assert phone.locator(f"#{described}").is_visible()
    assert phone.locator("input[name=attest]").nth(0).get_attribute("aria-invalid") is None
