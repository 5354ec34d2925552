"""The printable report in ja and en on a phone and a desktop (issue 13, part 5), screenshots in docs/screens.

Rendered by the export route's own function from a report shaped as runs produce it: a quorum of
two with comments and attested items, ASR jobs, the hash-chained timeline and the signature.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.approvals_tokens import KeyRing
from domain.report import gate_record
from domain.report_seal import chain_report, seal
from domain.timeline import timeline_entry
from function_app.report_export import report_html
from tests.approvals.test_status_outcomes import at, finished
from tests.browser.conftest import PHONE
from tests.browser.test_screens import SCREENS, shoot

VOTES = [
    {
        "by": "ops-lead@contoso.example",
        "at": at(11),
        "decision": "approved",
        "comment": "窓口と調整済み / agreed",
        "attested": ["owners-informed", "onprem-ready", "no-azure-only-changes"],
        "nonce": "n1",
        "accepted": True,
    },
    {
        "by": "dba@contoso.example",
        "at": at(12),
        "decision": "approved",
        "comment": "DB backup verified",
        "attested": ["owners-informed", "onprem-ready", "no-azure-only-changes"],
        "nonce": "n2",
        "accepted": True,
    },
]


def _report() -> dict[str, Any]:
    report = dict(finished("succeeded")["report"])
    gate = {
        "decision": "approved",
        "by": "dba@contoso.example",
        "at": at(12),
        "comment": "DB backup verified",
        "approvers": [v["by"] for v in VOTES],
        "decisions": VOTES,
    }
    decision = timeline_entry(
        at(12),
        "approval",
        "decision",
        gate="switchover",
        decision="approved",
        by=gate["by"],
        comment=gate["comment"],
        **gate_record(gate),
    )
    report["timeline"] = [*report["timeline"], decision]
    report["decisions"] = [decision]
    report["initiator"] = "alice@contoso.example"
    report["message"] = "Failback of web01 succeeded."
    report["downtimeSeconds"] = 612
    report["asrJobs"] = [
        {
            "operation": op,
            "jobId": f"6f1c2a4e-0000-4000-8000-00000000000{n}",
            "adopted": False,
            "state": "Succeeded",
        }
        for n, op in enumerate(("sync", "switchover", "commit", "reprotect"))
    ]
    return seal(chain_report(report), KeyRing(b"screens-signing-key-0123456789"))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_printable_report_screens(browser: Any, lang: str) -> None:
    html = report_html(_report(), lang)
    sizes = shoot(browser, "report", lang, html=html)  # no horizontal scrolling on either device
    print(f"report page {lang}: {sizes['phone']} px on a phone, {sizes['desktop']} px on a desktop")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_content(html)
    for selector in (
        "#report-summary",
        "#report-decisions",
        "#report-asr-jobs",
        "#report-timeline",
        "#report-integrity",
    ):
        assert page.locator(selector).is_visible(), selector
    assert page.locator("#report-decisions tbody tr").count() == 2
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    context.close()
    assert (SCREENS / f"report-{lang}-phone.png").stat().st_size > 10_000
