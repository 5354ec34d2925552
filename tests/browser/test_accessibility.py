"""axe-core finds nothing on the approval, status (dashboard), list and report pages (issue 13).

Each page in ja and en, on a phone and on a desktop; collapsed ``<details>`` are opened first so
the evidence, job steps and timeline are checked too. The approval page is the real page of a
running gate (also after a refused submission, with its errors tied to the boxes); the others are
the real templates rendered from API bodies and a sealed report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from function_app.report_export import report_html
from function_app.status_pages import render_status_page
from function_app.templates import render
from tests.approvals.gate_driver import Gate
from tests.approvals.test_status_outcomes import at, finished, phase
from tests.browser.axe import describe, violations
from tests.browser.conftest import PHONE
from tests.browser.test_report_screens import _report
from tests.browser.test_screens import DESKTOP, RUNS

DEVICES = {"phone": PHONE, "desktop": DESKTOP}
LANGS = ["en", "ja"]
OPEN_ALL = "document.querySelectorAll('details').forEach(d => { d.open = true; })"

# A waves run in its switchover: progress, an ASR job with steps, per-VM rows, a downtime band.
LIVE_WAVES: dict[str, Any] = {
    "id": "fb-vault-dr-waves-20260301130000",
    "runtimeStatus": "Running",
    "phase": "switchover",
    "progress": {"task": "Start the VM on-premises", "percent": 40, "etaSeconds": 300},
    "asrJobs": [
        {
            "jobId": "6f1c2a4e-0000-4000-8000-000000000001",
            "operation": "switchover",
            "state": "InProgress",
            "tasks": [
                {
                    "name": "a",
                    "friendlyName": "Shut down the Azure VM",
                    "state": "Succeeded",
                    "startTime": at(12),
                    "endTime": at(13),
                },
                {
                    "name": "b",
                    "friendlyName": "Start the VM on-premises",
                    "state": "InProgress",
                    "startTime": at(13),
                    "endTime": None,
                },
            ],
        }
    ],
    "latest": [
        {"wave": 1, "vm": "web01", "outcome": "succeeded", "downtimeSeconds": 540, "runId": "fb-a"},
        {"wave": 2, "vm": "db01", "outcome": None, "runId": "fb-b"},
        {"wave": 2, "vm": "app01", "outcome": "failed", "error": {"message": "The ASR job failed."}},
    ],
    "report": {"kind": "waves", "vault": {"subscriptionId": "s", "resourceGroup": "rg", "name": "vault-dr"}},
    "timeline": phase("preflight", 0, 1)
    + phase("sync", 1, 10)
    + phase("approval", 10, 12)
    + [{"at": at(12), "phase": "switchover", "event": "azure-vm-shutdown"}]
    + phase("switchover", 12, None),
}


def _html_pages(lang: str) -> dict[str, str]:
    runs = [{**r, "label": r["label"][lang]} for r in RUNS]
    filters = {"vault": "", "outcome": "", "from": "", "to": ""}
    return {
        "status-failed-preflight": render_status_page(finished("rejected"), lang),
        "status-failed": render_status_page(finished("failed"), lang),
        "status-succeeded": render_status_page(finished("succeeded"), lang),
        "status-live-waves": render_status_page(LIVE_WAVES, lang),
        "runs": render(
            "runs.html",
            lang=lang,
            runs=runs,
            query="",
            filters=filters,
            outcomes=["succeeded", "failed"],
            code="",
        ),
        "runs-empty": render(
            "runs.html",
            lang=lang,
            runs=[],
            query="",
            filters=filters,
            outcomes=["succeeded", "failed"],
            code="",
        ),
        "report": report_html(_report(), lang),
    }


def _check(browser: Any, device: str, lang: str, load: Callable[[Any], None]) -> list[dict[str, Any]]:
    context = browser.new_context(**DEVICES[device], locale="ja-JP" if lang == "ja" else "en-US")
    page = context.new_page()
    load(page)
    page.evaluate(OPEN_ALL)
    assert page.evaluate("document.documentElement.lang") == lang
    found = violations(page)
    context.close()
    return found


@pytest.mark.parametrize("device", list(DEVICES))
@pytest.mark.parametrize("lang", LANGS)
def test_status_list_and_report_pages_have_no_axe_violations(browser: Any, lang: str, device: str) -> None:
    """H-UI: every rendered page in both languages on both screens is axe-core clean."""
    problems = {}
    for name, html in _html_pages(lang).items():
        found = _check(browser, device, lang, lambda page, html=html: page.set_content(html))
        if found:
            problems[name] = describe(found)
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())


@pytest.mark.parametrize("device", list(DEVICES))
@pytest.mark.parametrize("lang", LANGS)
def test_approval_page_has_no_axe_violations(host: Any, browser: Any, lang: str, device: str) -> None:
    """W4: the approver's page, fresh and after a refused submission, is axe-core clean."""
    gate = Gate(host, {"approvers": ["alice@x"]})
    url = gate.links()["alice@x"] + f"?lang={lang}"

    def fresh(page: Any) -> None:
        page.goto(url)

    def refused(page: Any) -> None:
        page.goto(url)
        page.locator("input[name=attest]").nth(0).check()
        page.locator("#approve").click()
        page.wait_for_selector("#form-error")

    problems = {}
    for name, load in (("approval", fresh), ("approval-refused", refused)):
        found = _check(browser, device, lang, load)
        if found:
            problems[name] = describe(found)
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())
    assert not gate.done()
