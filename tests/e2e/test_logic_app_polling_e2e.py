"""A Logic App's HTTP action, played exactly (issue 13, part 4).

Logic Apps send the function key on the start request only. On polls they send nothing but the
action's ``authentication`` block (none here): no custom header, no ``?code=``. They wait
``Retry-After`` seconds, follow the newest ``Location``, stop at the first answer that is not a
``202`` and hand its body to the next action. Between polls the host works on the shared virtual
clock for exactly ``Retry-After`` (or jumps through the timers due before it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from domain.approvals_tokens import KeyRing
from domain.status_links import STATUS_LINK_TTL, sign_status
from scripts.failback_stack import SIGNING_KEY, FailbackStack, sample_request
from tests.e2e.conftest import assert_clean


def _wait(stack: FailbackStack, seconds: int) -> float:
    """Let ``seconds`` of virtual time pass with the host working; the virtual seconds waited."""
    start = stack.clock.now()
    target = start + timedelta(seconds=seconds)

    def reached() -> bool:
        nxt = stack.running.next_timer()
        return stack.clock.now() >= target or nxt is None or nxt > target

    stack.drive(reached)
    if stack.clock.now() < target:  # no timer due before the poll: just let the time pass
        stack.clock.advance_to(target)
    return (stack.clock.now() - start).total_seconds()


def _poll(url: str) -> requests.Response:
    """A poll as Logic Apps sends it: a bare GET, no custom header, no key."""
    return requests.get(url, timeout=30, allow_redirects=False)


def _start(stack: FailbackStack, body: dict[str, Any]) -> requests.Response:
    started = requests.post(
        stack.url("/api/failbacks"),
        json=body,
        headers={"x-functions-key": stack.running.function_key},
        timeout=60,
    )
    assert started.status_code == 202, started.text
    return started


def test_a_logic_app_polls_the_location_without_the_key_until_the_report(stack: FailbackStack) -> None:
    started = _start(stack, sample_request())
    run_id = started.json()["id"]
    location, retry_after = started.headers["Location"], int(started.headers["Retry-After"])
    key = stack.running.function_key
    polls: list[int] = []
    waits: list[tuple[int, float]] = []
    approved = False
    while True:
        assert urlsplit(location).path == f"/api/runs/{run_id}/status"
        assert key not in location and "code=" not in location and SIGNING_KEY not in location
        waits.append((retry_after, _wait(stack, retry_after)))
        answer = _poll(location)
        polls.append(answer.status_code)
        if answer.status_code != 202:
            break
        assert answer.headers["Cache-Control"] == "no-store"
        location, retry_after = answer.headers["Location"], int(answer.headers["Retry-After"])
        if answer.json()["awaiting"] == "approval" and not approved:  # the approver, elsewhere, approves
            assert stack.decide(run_id, "approved", comment="window agreed").status_code == 200
            approved = True
        assert len(polls) < 2000
    assert answer.status_code == 200, answer.text
    view = answer.json()
    report = view["report"]
    assert view["outcome"] == report["outcome"] == "succeeded"
    assert report["runId"] == run_id and report["downtimeSeconds"] > 0
    assert {j["operation"] for j in report["asrJobs"]} >= {"sync", "commit", "reprotect"}
    assert all(j["jobId"] for j in report["asrJobs"])
    assert any(d.get("by") == "ops-lead@contoso.example" for d in report["decisions"])
    # The same document as the keyed route gives.
    keyed = stack.get(f"/api/failbacks/{run_id}")
    assert keyed.status_code == 200 and keyed.json()["report"] == report
    # Retry-After was obeyed before every poll (never earlier); the run needed many polls.
    assert all(waited >= asked for asked, waited in waits)
    assert polls[:-1] == [202] * (len(polls) - 1) and len(polls) > 20
    print(
        f"\nLogic App polling: {len(polls)} polls ({len(polls) - 1} x 202, then {polls[-1]}), "
        f"Retry-After {sorted({a for a, _ in waits})} s obeyed before each "
        f"(virtual seconds waited: min {min(w for _, w in waits):g}, total {sum(w for _, w in waits):g})"
    )
    assert_clean(stack)


def _refusal(response: requests.Response, status: int, run_id: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    doc = response.json()
    assert set(doc) <= {"type", "title", "status", "detail", "code"}, doc
    assert run_id not in response.text and "timeline" not in response.text
    return dict(doc)


def test_a_tampered_or_expired_status_link_reads_nothing(stack: FailbackStack) -> None:
    started = _start(stack, sample_request())
    run_id = started.json()["id"]
    location = started.headers["Location"]
    assert _poll(location).status_code == 202
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    base = f"{parts.scheme}://{parts.netloc}"

    def link(path_id: str = run_id, **params: str) -> str:
        return f"{base}/api/runs/{path_id}/status?{urlencode(params)}"

    sig, exp = query["sig"], query["exp"]
    flipped = ("A" if sig[5] != "A" else "B").join((sig[:5], sig[6:]))
    tampered = {
        "signature flipped": link(exp=exp, sig=flipped),
        "expiry moved": link(exp=str(int(exp) + 3600), sig=sig),
        "another run": link(run_id.replace("web01", "app01"), exp=exp, sig=sig),
        "signed with another key": link(
            **sign_status(KeyRing(b"an-attacker-guessed-this-key-0000"), run_id, datetime.now(UTC))
        ),
    }
    for what, url in tampered.items():
        doc = _refusal(_poll(url), 403, run_id)
        assert doc["code"] == "STATUS_LINK_FORGED", what
    expired = sign_status(
        KeyRing(SIGNING_KEY.encode()), run_id, datetime.now(UTC) - STATUS_LINK_TTL - timedelta(seconds=5)
    )
    assert _refusal(_poll(link(**expired)), 401, run_id)["code"] == "STATUS_LINK_EXPIRED"
    for incomplete in (link(exp=exp), link(sig=sig), link(), link(exp="0x10", sig=sig)):
        assert _refusal(_poll(incomplete), 401, run_id)["code"] == "STATUS_LINK_MALFORMED"
    # The keyed route still wants its key: the signed link is the only keyless door, and only to this run.
    assert requests.get(f"{base}/api/failbacks/{run_id}", timeout=30).status_code == 401
    assert _poll(location).status_code == 202
