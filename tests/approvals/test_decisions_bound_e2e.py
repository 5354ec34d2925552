"""Decisions bound to people (issue 12, part 2): raced decisions on one gate, quorum, the initiator.

Each race posts at the same instant (a barrier); the gate takes exactly one decision and every
page says what the gate actually decided.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.approvals.conftest import ROOT, app_env
from tests.approvals.gate_driver import Gate, decide

#: Races tried per test (the figure issue 12 asks for).
ROUNDS = 3


def _race(calls: list[tuple[str, str]]) -> list[requests.Response]:
    barrier = threading.Barrier(len(calls))

    def post(call: tuple[str, str]) -> requests.Response:
        barrier.wait(timeout=30)
        return decide(*call)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(post, calls))


def _said(response: requests.Response) -> str:
    return response.text.lower()


@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_approve_and_reject_of_one_link_together_one_wins_and_both_pages_say_which(
    host: Any, round_no: int
) -> None:
    gate = Gate(host, {"approvers": ["a@x"]}, gate=f"race-{round_no}")
    url = gate.links()["a@x"]
    approve, reject = _race([(url, "approve"), (url, "reject")])
    decided = gate.output()["decision"]
    assert decided in ("approved", "rejected")
    winner, loser = (approve, reject) if decided == "approved" else (reject, approve)
    assert winner.status_code == 200, winner.text
    assert loser.status_code == 409, loser.text
    assert decided in _said(loser)  # the loser learns what the gate decided, not "recorded"
    assert "was recorded" not in _said(loser)
    assert len([d for d in gate.output()["decisions"] if d["accepted"]]) == 1


def test_two_approvers_racing_with_quorum_one_the_second_is_told_the_gate_decided(host: Any) -> None:
    gate = Gate(host, {"approvers": ["a@x", "b@x"], "quorum": 1})
    links = gate.links()
    first, second = _race([(links["a@x"], "approve"), (links["b@x"], "reject")])
    out = gate.output()
    taken = [d for d in out["decisions"] if d["accepted"]]
    assert len(taken) == 1
    winner, loser = (first, second) if taken[0]["by"] == "a@x" else (second, first)
    # the loser's POST met the gate open (409 already decided) or closed (410 the link's step is over)
    assert winner.status_code == 200 and loser.status_code in (409, 410), (winner.text, loser.text)
    assert out["decision"] in _said(loser) and "was recorded" not in _said(loser)


def test_quorum_two_both_approvals_are_recorded_and_the_second_page_says_approved(host: Any) -> None:
    gate = Gate(host, {"approvers": ["a@x", "b@x"], "quorum": 2})
    links = gate.links()
    answers = _race([(links["a@x"], "approve"), (links["b@x"], "approve")])
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert gate.output()["decision"] == "approved"
    assert sorted(gate.output()["approvers"]) == ["a@x", "b@x"]


@pytest.mark.parametrize("quorum", [1.5, "2", 0, -1, True])
def test_quorum_must_be_a_positive_integer(host: Any, quorum: Any) -> None:
    body = {
        "vault": {"subscriptionId": "s", "resourceGroup": "rg", "name": "v"},
        "item": {"friendlyName": "web01"},
        "approval": {"approvers": ["a@x", "b@x"], "quorum": quorum},
        "verification": {"workspaceId": "11111111-2222-3333-4444-555555555555", "computer": "web01"},
    }
    response = requests.post(
        f"{host.base_url}/api/failbacks", json=body, params={"code": host.function_key}, timeout=30
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any("approval.quorum" in e for e in response.json()["errors"])


@pytest.fixture
def azure_host(tmp_path: Path) -> Iterator[Any]:
    from clients.settings import get_settings
    from devhost.clock import VirtualClock
    from devhost.testing import DevHost

    env = {**app_env(tmp_path), "FAILBACK_LOCAL_MODE": "false"}
    clock = VirtualClock(start=datetime.now(UTC).replace(microsecond=0))
    get_settings.cache_clear()
    with DevHost(app_dir=ROOT, clock=clock, env=env, state_dir=tmp_path / "state") as running:
        get_settings.cache_clear()
        yield running
    get_settings.cache_clear()


def test_in_azure_the_body_cannot_name_the_initiator_of_a_four_eyes_run(azure_host: Any) -> None:
    body: dict[str, Any] = {
        "vault": {
            "subscriptionId": "00000000-0000-0000-0000-000000000001",
            "resourceGroup": "rg",
            "name": "v",
        },
        "item": {"friendlyName": "web01"},
        "approval": {"approvers": ["lead@x"], "fourEyes": True},
        "verification": {"workspaceId": "11111111-2222-3333-4444-555555555555", "computer": "web01"},
        "initiator": "someone-else@x",  # self-declared: not believed in Azure
    }
    response = requests.post(
        f"{azure_host.base_url}/api/failbacks",
        json=body,
        params={"code": azure_host.function_key},
        timeout=30,
    )
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any("fourEyes" in e for e in response.json()["errors"])
