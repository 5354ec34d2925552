"""The approval gate end to end on the local host: links in the outbox, the page,
POST decisions, refusals, timers (W2, W4)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import requests

from tests.approvals.gate_driver import Gate, decide, reason


def test_approver_journey_get_shows_post_decides_W2_W4(host) -> None:
    gate = Gate(host, {"approvers": ["alice@x"], "timeoutHours": 24})
    url = gate.links()["alice@x"]
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "vm01" in page.text and "host hv01 connected" in page.text and "Owners informed" in page.text
    assert page.headers["Referrer-Policy"] == "same-origin" and page.headers["Cache-Control"] == "no-store"
    assert not gate.done()  # a GET decides nothing
    posted = decide(url, "approve", comment="go ahead")
    assert posted.status_code in (200, 202), posted.text
    out = gate.output()
    assert out["decision"] == "approved" and out["by"] == "alice@x" and out["comment"] == "go ahead"
    assert out["decisions"][0]["attested"] == ["owners", "net"]
    again = decide(url, "approve")
    assert again.status_code == 409 and reason(again) == "already-used"


def test_reject_needs_no_attestation_and_ends_the_gate_W2(host) -> None:
    gate = Gate(host, {"approvers": ["alice@x"]})
    assert decide(gate.links()["alice@x"], "reject", attest=[]).status_code in (200, 202)
    assert gate.output()["decision"] == "rejected"


def test_approve_without_every_checklist_item_changes_nothing_W4(host) -> None:
    gate = Gate(host, {"approvers": ["alice@x"]})
    r = decide(gate.links()["alice@x"], "approve", attest=["owners"])
    assert r.status_code == 422 and "Network ready" in r.text
    host.drive(until=lambda: True)
    assert not gate.done()


def test_timeout_is_the_safe_outcome_and_links_become_stale_W2(host) -> None:
    gate = Gate(host, {"approvers": ["alice@x"], "timeoutHours": 2})
    url = gate.links()["alice@x"]
    out = gate.output()
    assert out["decision"] == "timeout" and out["by"] is None
    assert [m["kind"] for m in gate.messages()][-1] == "timeout"
    late = decide(url, "approve")
    assert late.status_code == 410 and reason(late) == "stale-gate"


def test_reminders_and_escalation_over_a_long_wait_W2(host) -> None:
    policy = {
        "approvers": ["alice@x"],
        "escalateTo": ["boss@x"],
        "timeoutHours": 24 * 14,
        "reminderMinutes": 24 * 60 * 4,
    }
    gate = Gate(host, policy)
    host.drive(until=lambda: bool(gate.links("escalation")), max_virtual=timedelta(days=8), timeout=30)
    kinds = [m["kind"] for m in gate.messages()]
    assert kinds[:3] == ["approval-request", "reminder", "escalation"]
    boss = gate.links("escalation")["boss@x"]
    assert decide(boss, "approve").status_code in (200, 202)
    out = gate.output()
    assert out["decision"] == "approved" and out["by"] == "boss@x"


def test_quorum_and_four_eyes_through_the_page_W2(host) -> None:
    gate = Gate(
        host, {"approvers": ["ops@x", "a@x", "b@x"], "quorum": 2, "fourEyes": True}, initiator="ops@x"
    )
    links = gate.links()
    refused = decide(links["ops@x"], "approve")
    assert refused.status_code == 403 and "four-eyes" in refused.text
    assert decide(links["a@x"], "approve").status_code in (200, 202)
    assert not gate.done()
    assert decide(links["b@x"], "approve").status_code in (200, 202)
    out = gate.output()
    assert out["decision"] == "approved" and sorted(out["approvers"]) == ["a@x", "b@x"]


def test_signed_in_user_must_match_the_link_W4(host) -> None:
    gate = Gate(host, {"approvers": ["alice@x"]})
    url = gate.links()["alice@x"]
    r = requests.get(url, headers={"x-ms-client-principal-name": "mallory@x"}, timeout=10)
    assert r.status_code == 403 and "mallory@x" in r.text
    assert decide(url, "approve", headers={"x-ms-client-principal-name": "mallory@x"}).status_code == 403
    assert not gate.done()


def test_cross_site_post_and_token_mismatch_are_refused_W4(host) -> None:
    gate = Gate(host, {"approvers": ["alice@x"]})
    url = gate.links()["alice@x"]
    assert decide(url, "approve", headers={"Origin": "https://evil.example"}).status_code == 403
    assert decide(url, "approve", token="v1.x.y.z").status_code == 400
    host.drive(until=lambda: True)
    assert not gate.done()


def test_forged_and_malformed_links_get_a_clear_page_W4(host) -> None:
    gate = Gate(host, {"approvers": ["alice@x"]})
    url = gate.links()["alice@x"]
    body_start = url.rindex(".")
    forged = url[: body_start - 3] + ("A" if url[body_start - 3] != "A" else "B") + url[body_start - 2 :]
    for bad, code in [
        (forged, {400, 403}),
        (url[:-4], {400, 403}),
        (host.base_url + "/api/approvals/nonsense", {400}),
    ]:
        r = requests.get(bad, timeout=10)
        assert r.status_code in code
        assert "Nothing was changed" in r.text or "damaged" in r.text
        assert decide(bad, "approve", token=bad.rsplit("/", 1)[-1]).status_code in code
    assert not gate.done()


def test_a_new_gate_makes_old_links_stale_W4(host) -> None:
    first = Gate(host, {"approvers": ["alice@x"], "timeoutHours": 1})
    old = first.links()["alice@x"]
    first.output()
    second = Gate(host, {"approvers": ["alice@x"]}, gate="approval-2")
    r = decide(old, "approve")
    assert r.status_code == 410 and reason(r) == "stale-gate"
    assert not second.done()


def test_no_key_or_link_in_history_status_or_messages_W4(host, tmp_path) -> None:
    from tests.approvals.conftest import SIGNING_KEY

    gate = Gate(host, {"approvers": ["alice@x", "bob@x"], "reminderMinutes": 60, "timeoutHours": 3})
    tokens = [url.rsplit("/", 1)[1] for url in gate.links().values()]
    assert decide(gate.links()["alice@x"], "reject").status_code in (200, 202)
    gate.output()
    # The durable store (inputs, history, custom status, outputs) holds no key and no link.
    stored = b"".join(p.read_bytes() for p in host.state_dir.rglob("*") if p.is_file())
    assert b"alice@x" in stored and b"ApprovalDecision" in stored  # the history is really there
    for secret in [SIGNING_KEY, *tokens]:
        assert secret.encode() not in stored
    status = json.dumps(gate.status())
    assert SIGNING_KEY not in status and not any(t in status for t in tokens)
    # Messages carry page links only: no host key, no Durable webhook URL.
    outbox = json.dumps(gate.messages())
    for forbidden in [host.master_key, host.function_key, "runtime/webhooks", "sendEventPostUri", "code="]:
        assert forbidden not in outbox


def test_concurrent_posts_of_one_link_count_once_W4(host) -> None:
    from concurrent.futures import ThreadPoolExecutor

    gate = Gate(host, {"approvers": ["a@x", "b@x"], "quorum": 2})
    url = gate.links()["a@x"]
    with ThreadPoolExecutor(4) as pool:
        codes = sorted(r.status_code for r in pool.map(lambda _: decide(url, "approve"), range(4)))
    assert set(codes) <= {200, 202, 409}
    host.drive(until=lambda: True)
    status = gate.status()["customStatus"]
    assert status["approvals"] == 1 and status["open"] is True  # one approval, quorum 2 still open


def test_a_thirteen_day_wait_loops_short_timers_to_the_safe_outcome_W2(host) -> None:
    gate = Gate(host, {"approvers": ["alice@x"], "timeoutHours": 24 * 13})
    started = datetime.fromisoformat(gate.status()["createdTime"].replace("Z", "+00:00"))
    out = gate.output()
    ended = datetime.fromisoformat(out["at"].replace("Z", "+00:00"))
    assert out["decision"] == "timeout"
    assert timedelta(days=13) <= ended - started < timedelta(days=13, minutes=1)
