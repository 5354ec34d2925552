"""The approver's journey in a real browser on a phone-size screen, and a "link scanner"
that opens every link before the human does (W4)."""

from __future__ import annotations

from typing import Any

import requests

from tests.approvals.gate_driver import Gate


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_approver_approves_on_a_phone_W4(host: Any, phone: Any) -> None:
    gate = Gate(host, {"approvers": ["alice@x"]})
    phone.goto(gate.links()["alice@x"])
    assert phone.locator("h1").inner_text().startswith("Approve the failback of vm01")
    assert no_horizontal_scroll(phone)
    assert phone.locator("#approve").bounding_box()["height"] >= 44  # a finger-sized target
    phone.locator("input[name=attest]").nth(0).tap()
    phone.locator("input[name=attest]").nth(1).tap()
    phone.fill("#comment", "owners agreed, go")
    phone.locator("#approve").tap()
    phone.wait_for_selector("#outcome")
    assert (
        "recorded" in phone.locator("#outcome").inner_text()
        or "sent" in phone.locator("#outcome").inner_text()
    )
    assert no_horizontal_scroll(phone)
    out = gate.output()
    assert out["decision"] == "approved" and out["by"] == "alice@x" and out["comment"] == "owners agreed, go"
    phone.go_back()
    phone.reload()
    assert phone.locator("#reason").inner_text() == "already-used"


def test_missing_attestation_is_shown_and_decides_nothing_W4(host: Any, phone: Any) -> None:
    gate = Gate(host, {"approvers": ["alice@x"]})
    phone.goto(gate.links()["alice@x"])
    phone.locator("input[name=attest]").nth(0).tap()
    phone.locator("#approve").tap()
    phone.wait_for_selector("#form-error")
    assert "Network ready" in phone.locator("#form-error").inner_text()
    assert phone.locator("input[name=attest]").nth(0).is_checked()  # what was ticked stays ticked
    host.drive(until=lambda: True)
    assert not gate.done()


def test_link_scanner_opening_every_link_first_decides_nothing_W4(
    host: Any, browser: Any, phone: Any
) -> None:
    gate = Gate(host, {"approvers": ["alice@x", "bob@x"], "quorum": 2})
    urls = [host.base_url + link["path"] for m in gate.messages() for link in m["links"]]
    assert len(urls) == 2
    scanned = 0
    # A mail scanner: plain GETs and HEADs, then a "detonation" in a real browser that follows links.
    for url in urls:
        assert requests.get(url, timeout=10).status_code == 200
        requests.head(url, timeout=10)
        scanned += 1
    scanner = browser.new_context()
    page = scanner.new_page()
    for url in urls:
        page.goto(url)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            page.goto(href)
        scanned += 1
    scanner.close()
    host.drive(until=lambda: True)
    assert not gate.done()
    assert gate.status()["customStatus"]["approvals"] == 0
    assert scanned == 4
    # The humans' links still work after the scan.
    for url in urls:
        phone.goto(url)
        for box in phone.locator("input[name=attest]").all():
            box.tap()
        phone.locator("#approve").tap()
        phone.wait_for_selector("#outcome")
    out = gate.output()
    assert out["decision"] == "approved" and sorted(out["approvers"]) == ["alice@x", "bob@x"]


def test_refused_links_render_a_clear_page_on_a_phone_W4(host: Any, phone: Any) -> None:
    gate = Gate(host, {"approvers": ["alice@x"], "timeoutHours": 1})
    url = gate.links()["alice@x"]
    gate.output()  # times out
    response = phone.goto(url)
    assert response.status == 410
    assert "Nothing was changed" in phone.locator("#outcome").inner_text()
    assert phone.locator("form").count() == 0
    assert no_horizontal_scroll(phone)
