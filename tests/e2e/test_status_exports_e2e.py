"""The status page of an ended run links to its exports (issue 13, parts 2 and 5; W3).

A browser that opened the dashboard with the function key in the URL (``?code=``, as the run
list's links keep it) follows each export link exactly as written in the page, with nothing
else: the printable HTML, the sealed JSON (verified offline as ``cli verify-report`` does) and
the CSV all answer 200 with their content type, in the page's language. A run still waiting
has no export links (its record does not exist yet).
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import requests

from domain.approvals_tokens import KeyRing
from domain.report_seal import verify_export
from scripts.failback_stack import SIGNING_KEY, FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish, assert_clean

_EXPORT = re.compile(r'<a href="([^"]+)" id="export-(\w+)">')
CONTENT_TYPES = {"html": "text/html", "json": "application/json", "csv": "text/csv"}


def _page(stack: FailbackStack, run_id: str, lang: str) -> requests.Response:
    """The dashboard as a browser opens it from the run list: the key and language in the query."""
    url = stack.url(f"/api/failbacks/{run_id}")
    params = {"code": stack.running.function_key, "lang": lang}
    page = requests.get(url, params=params, headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    return page


def test_the_status_page_of_an_ended_run_links_to_each_export_and_each_link_works_W3(
    stack: FailbackStack,
) -> None:
    """W3: each export link of the dashboard answers 200 with the right type; the JSON verifies."""
    run_id = stack.start_failback(sample_request())
    stack.drive_to(run_id, awaiting="approval")
    waiting = _page(stack, run_id, "en")
    assert _EXPORT.findall(waiting.text) == [] and 'id="exports"' not in waiting.text
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded", report.get("error")

    for lang, title in (("en", "Failback report: web01"), ("ja", "フェイルバック報告書: web01")):
        page = _page(stack, run_id, lang)
        links = {fmt: urljoin(page.url, html.unescape(href)) for href, fmt in _EXPORT.findall(page.text)}
        assert sorted(links) == ["csv", "html", "json"], page.text[-2000:]
        assert f"python -m cli report {run_id} --format pdf" in page.text
        for fmt, link in links.items():
            assert link.startswith(stack.url(f"/api/failbacks/{run_id}/report?format={fmt}")), link
            # Followed as written: no header, the page's own query is the only credential.
            got = requests.get(link, timeout=30)
            assert got.status_code == 200, (fmt, got.status_code, got.text[:300])
            assert got.headers["Content-Type"].startswith(CONTENT_TYPES[fmt]), got.headers
            if fmt == "html":
                assert title in got.text and report["integrity"]["head"] in got.text
            if fmt == "json":
                verdict = verify_export(got.content, KeyRing(SIGNING_KEY.encode()))
                assert verdict.ok, verdict
            if fmt == "csv":
                assert got.text.startswith("at,phase,event") and run_id in got.headers["Content-Disposition"]
        # The key is what makes the links work: without it the same export is refused.
        keyless = re.sub(r"[?&]code=[^&]+", "", links["json"])
        assert requests.get(keyless, timeout=30).status_code == 401
    assert_clean(stack)
