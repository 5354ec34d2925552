"""Identity from App Service Authentication headers (W4) and the HTML status page (W3)."""

from __future__ import annotations

import base64
import json

import azure.functions as func

from domain.approvals_identity import Identity, identity_from_headers, link_mismatch
from function_app.status_pages import is_run, render_status_page, wants_html


def principal(claims: list[tuple[str, str]]) -> str:
    doc = {"auth_typ": "aad", "claims": [{"typ": t, "val": v} for t, v in claims]}
    return base64.b64encode(json.dumps(doc).encode()).decode()


def test_identity_comes_from_easy_auth_headers_W4() -> None:
    ident = identity_from_headers(
        {
            "X-MS-CLIENT-PRINCIPAL-NAME": "Alice@Contoso.com",
            "x-ms-client-principal": principal([("groups", "GID-1"), ("name", "Alice")]),
        }
    )
    assert ident == Identity(name="alice@contoso.com", groups=("gid-1",), source="easyauth")


def test_identity_name_falls_back_to_claims_and_bad_header_is_ignored_W4() -> None:
    assert (
        identity_from_headers({"x-ms-client-principal": principal([("preferred_username", "b@x")])}).name
        == "b@x"
    )  # type: ignore[union-attr]
    assert identity_from_headers({"x-ms-client-principal": "%%%"}) is None
    assert identity_from_headers({}) is None


def test_link_is_personal_unless_for_a_group_or_anyone_W4() -> None:
    alice = Identity("alice@contoso.com", ("ops",))
    assert link_mismatch(alice, "alice@contoso.com") is None
    assert "bob@contoso.com" in (link_mismatch(alice, "bob@contoso.com") or "")
    assert link_mismatch(alice, "group:ops") is None
    assert link_mismatch(alice, "group:dba") is not None
    assert link_mismatch(alice, "*") is None


def req(accept: str = "", **params: str) -> func.HttpRequest:
    return func.HttpRequest(
        "GET", "http://h/api/failbacks/x", headers={"accept": accept}, params=params, body=b""
    )


def test_browser_accept_header_asks_for_html_W3() -> None:
    chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    assert wants_html(req(chrome))
    assert not wants_html(req("application/json"))
    assert not wants_html(req(""))
    assert not wants_html(req("*/*"))
    assert not wants_html(req("application/json, text/html;q=0.5"))
    assert wants_html(req("application/json", format="html"))


def test_status_page_shows_phase_progress_and_timeline_W3() -> None:
    body = {
        "runId": "fb-vault-dr-vm01-20260101000000",
        "runtimeStatus": "Running",
        "customStatus": {
            "phase": "sync",
            "step": "waiting for ASR job",
            "progress": {"task": "Synchronize data", "percent": 42, "etaSeconds": 600},
            "awaiting": None,
            "message": "Phase 1 running <b>",
        },
        "timeline": [{"at": "2026-01-01T00:00:00Z", "phase": "preflight", "event": "phase-finished"}],
    }
    html = render_status_page(body)
    assert 'name="viewport"' in html
    assert "Synchronize data" in html and 'value="42"' in html
    assert "&lt;b&gt;" in html  # escaped
    assert 'data-phase="preflight" data-state="done"' in html
    assert 'data-phase="sync" data-state="current"' in html
    assert 'data-phase="approval" data-state="pending"' in html


def test_status_page_of_a_finished_run_uses_the_report_W3() -> None:
    report = {
        "runId": "r",
        "outcome": "succeeded",
        "downtimeSeconds": 321,
        "phases": [
            {"phase": "preflight", "start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:00:03Z"},
            {"phase": "switchover", "start": "2026-01-01T00:01:00Z", "end": "2026-01-01T00:06:00Z"},
        ],
        "timeline": [
            {"at": "2026-01-01T00:01:00Z", "phase": "switchover", "event": "azure-vm-shutdown", "jobId": "j1"}
        ],
        "item": {"friendlyName": "vm01"},
    }
    html = render_status_page({"runId": "r", "runtimeStatus": "Completed", "output": json.dumps(report)})
    assert "vm01" in html and "Failback succeeded" in html and "5 min" in html and "jobId: j1" in html


def test_run_list_ignores_gates_and_trackers_W3() -> None:
    assert is_run("fb-vault-vm-20260101000000")
    assert not is_run("fb-vault-vm-20260101000000:gate:approval-1")
    assert not is_run("smoke-1") and not is_run(None)
