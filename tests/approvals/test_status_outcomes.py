"""The run's OUTCOME drives what the status page and the run list show (issue 13, part 1).

A failed pre-flight and a failed switchover both complete the orchestration; their pages are
red and say what was found and what to do, never a green "Completed".
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from domain.report import OUTCOMES
from function_app.status_pages import filter_runs, render_status_page

T0 = "2026-03-01T13:00:00+00:00"


def at(minute: int) -> str:
    return f"2026-03-01T13:{minute:02d}:00+00:00"


def phase(name: str, start: int, end: int | None) -> list[dict[str, Any]]:
    out = [{"at": at(start), "phase": name, "event": "phase-started"}]
    if end is not None:
        out.append({"at": at(end), "phase": name, "event": "phase-finished"})
    return out


REPORTS: dict[str, dict[str, Any]] = {
    "succeeded": {
        "timeline": phase("preflight", 0, 1)
        + phase("sync", 1, 10)
        + phase("approval", 10, 12)
        + [{"at": at(12), "phase": "switchover", "event": "azure-vm-shutdown"}]
        + phase("switchover", 12, 20)
        + [{"at": at(22), "phase": "verify", "event": "onprem-verified"}]
        + phase("verify", 20, 22)
        + phase("commit", 22, 23)
        + phase("report", 23, 23),
        "downtimeSeconds": 600,
    },
    "dry-run": {"timeline": phase("preflight", 0, 1)},
    "failed": {
        "timeline": phase("preflight", 0, 1)
        + phase("sync", 1, 10)
        + phase("approval", 10, 12)
        + phase("switchover", 12, None),
        "error": {
            "code": "JOB_FAILED",
            "message": "The ASR job failed at 'Start the VM'.",
            "remedy": "Check the host.",
        },
    },
    "rejected": {
        "timeline": phase("preflight", 0, None),
        "preflight": {
            "passed": False,
            "checks": [
                {
                    "id": "H2c",
                    "rule": "The failover to Azure was committed",
                    "passed": False,
                    "evidence": "The failover to Azure is not committed (state FailoverCompleted)",
                    "remedy": "Commit the failover in the Azure portal, then start again.",
                }
            ],
        },
        "error": {"code": "PREFLIGHT_FAILED", "message": "H2c: ...", "remedy": None},
    },
    "not-approved": {
        "timeline": phase("preflight", 0, 1) + phase("sync", 1, 10) + phase("approval", 10, None)
    },
    "cancelled": {"timeline": phase("preflight", 0, 1) + phase("sync", 1, None)},
    "left-manual": {
        "timeline": phase("preflight", 0, 1) + phase("switchover", 2, 9) + phase("verify", 9, None)
    },
    "window-missed": {"timeline": phase("preflight", 0, 1) + phase("window", 1, None)},
}
TONES = {
    "succeeded": "success",
    "dry-run": "success",
    "failed": "error",
    "rejected": "error",
    "left-manual": "error",
    "not-approved": "warning",
    "cancelled": "warning",
    "window-missed": "warning",
}


def finished(outcome: str) -> dict[str, Any]:
    report = {
        "runId": "fb-vault-dr-web01-20260301130000",
        "outcome": outcome,
        "kind": "hyperv",
        "item": {"friendlyName": "web01"},
        "vault": {"subscriptionId": "s", "resourceGroup": "rg", "name": "vault-dr"},
        "startedAt": T0,
        "finishedAt": at(30),
        **REPORTS[outcome],
    }
    return {
        "id": report["runId"],
        "runtimeStatus": "Completed",
        "outcome": outcome,
        "report": report,
        "timeline": report["timeline"],
    }


def banner(html: str) -> tuple[str, str]:
    m = re.search(r'<div class="banner (\w+)" id="run-state"[^>]*>(.*?)</div>', html, re.S)
    assert m, html
    return m.group(1), re.sub(r"<[^>]+>", " ", m.group(2))


def marks(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-phase="([\w-]+)" data-state="(\w+)"', html))


def test_every_outcome_has_a_test_here() -> None:
    assert set(REPORTS) == set(OUTCOMES) == set(TONES)


@pytest.mark.parametrize("outcome", sorted(REPORTS))
def test_banner_colour_and_words_follow_the_outcome_not_completed(outcome: str) -> None:
    html = render_status_page(finished(outcome), "en")
    tone, text = banner(html)
    assert tone == TONES[outcome]
    assert "Completed" not in text
    if tone == "error":
        assert "succeeded" not in text.lower()


def test_failed_preflight_is_red_says_what_was_found_and_what_to_do() -> None:
    html = render_status_page(finished("rejected"), "en")
    tone, text = banner(html)
    assert tone == "error" and "Pre-flight failed: nothing was changed" in text
    section = html[html.index('id="failed-checks"') :]
    assert "is not committed" in section and "Commit the failover in the Azure portal" in section
    assert "<code>H2c</code>" in section  # the rule id stays, as a reference only
    assert marks(html)["preflight"] == "failed"
    assert marks(html)["switchover"] == "skipped"


def test_failed_switchover_marks_the_phase_failed_and_later_phases_skipped() -> None:
    html = render_status_page(finished("failed"), "en")
    m = marks(html)
    assert m["preflight"] == m["sync"] == m["approval"] == "done"
    assert m["switchover"] == "failed" and m["commit"] == "skipped"
    assert "Start the VM" in html and "Check the host." in html


def test_succeeded_run_shows_the_downtime_band_and_every_phase_done() -> None:
    html = render_status_page(finished("succeeded"), "en")
    m = marks(html)
    assert all(m[p] == "done" for p in ("preflight", "sync", "approval", "switchover", "verify", "commit"))
    assert 'id="downtime-band"' in html and "10 min" in html
    assert "replicationJobs" not in html and "portal.azure.com" in html  # the vault's blade


def test_cancelled_run_is_amber_and_the_interrupted_phase_is_stopped() -> None:
    html = render_status_page(finished("cancelled"), "en")
    assert banner(html)[0] == "warning"
    assert marks(html)["sync"] == "stopped"


def test_a_run_waiting_for_approval_says_so_with_the_reason() -> None:
    body = {
        "id": "fb-vault-dr-web01-20260301130000",
        "runtimeStatus": "Running",
        "phase": "approval",
        "awaiting": "approval",
        "timeline": phase("preflight", 0, 1) + phase("sync", 1, 10) + phase("approval", 10, None),
    }
    html = render_status_page(body, "en")
    assert banner(html)[0] == "info"
    assert marks(html)["approval"] == "waiting"
    assert "Waiting for the approvers" in html
    assert marks(html)["switchover"] == "pending"
    assert "nonce" in html  # the live page refreshes itself


@pytest.mark.parametrize(
    ("awaiting", "gate", "says"),
    [
        ("approval", "commit-anyway", "Nothing is committed before it"),
        ("approval", "verification", "confirm that the on-premises VM works"),
        ("azure", "azure-wait-1", "Waiting for Azure"),
    ],
)
def test_past_the_switchover_the_waiting_text_follows_the_open_gate(
    awaiting: str, gate: str, says: str
) -> None:
    """Issue 12, part 2: "Nothing is switched over before it" is false once the Azure VM was shut down."""
    body = {
        "id": "fb-vault-dr-web01-20260301130000",
        "runtimeStatus": "Running",
        "phase": "verify",
        "awaiting": awaiting,
        "gate": gate,
        "timeline": phase("switchover", 0, 5) + phase("verify", 5, None),
    }
    for lang in ("en", "ja"):
        html = render_status_page(body, lang)
        assert "Nothing is switched over" not in html and "切り替えは行われません" not in html, lang
        assert marks(html)["verify"] != "done"
    assert says in render_status_page(body, "en")


def test_a_terminated_orchestration_without_a_report_is_red() -> None:
    tone, text = banner(render_status_page({"id": "fb-x-y-1", "runtimeStatus": "Failed"}, "en"))
    assert tone == "error" and "without a report" in text


def test_run_list_filters_by_vault_outcome_and_date() -> None:
    runs = [
        {
            "runId": "fb-a-web01-1",
            "vault": "vault-a",
            "outcome": "failed",
            "startedAt": "2026-03-01T10:00:00",
        },
        {"runId": "fb-b-web02-1", "vault": "vault-b", "outcome": None, "startedAt": "2026-03-02T10:00:00"},
        {
            "runId": "fb-a-web03-1",
            "vault": "vault-a",
            "outcome": "succeeded",
            "startedAt": "2026-03-03T10:00:00",
        },
    ]
    assert [r["runId"] for r in filter_runs(runs, {"vault": "vault-a"})] == ["fb-a-web01-1", "fb-a-web03-1"]
    assert [r["runId"] for r in filter_runs(runs, {"outcome": "running"})] == ["fb-b-web02-1"]
    assert [r["runId"] for r in filter_runs(runs, {"outcome": "failed"})] == ["fb-a-web01-1"]
    got = filter_runs(runs, {"from": "2026-03-02", "to": "2026-03-02"})
    assert [r["runId"] for r in got] == ["fb-b-web02-1"]
