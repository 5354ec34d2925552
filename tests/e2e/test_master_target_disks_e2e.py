"""V3 across runs: the 60-disk rule sums every live run re-protecting to the same master target (issue 12).

Scenario ``vmware-60-disks``: mt-win-01 holds 56 disks; vmw-win01 has 2, vmw-win02 has 3. Alone each
fits; while vmw-win01's run is live, vmw-win02 would make 61. Claims on one master target are
serialized (``function_app.master_target_claim``), so requests at the same instant cannot both pass.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from scripts.failback_stack import FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish

#: Rounds of two simultaneous requests on one master target (the figure issue 12 asks for).
ROUNDS = 5
VMS = ("vmw-win01", "vmw-win02")


@pytest.fixture
def sixty(tmp_path: Path) -> Iterator[FailbackStack]:
    with FailbackStack(tmp_path, scenario="vmware-60-disks") as running:
        yield running


def _request(vm: str) -> dict[str, Any]:
    return sample_request(vm, kind="vmware-classic", dataSync="auto")


def _refused_for_disks(answer: requests.Response) -> None:
    """The refusal names the master target and the disks it would hold (409 problem+json)."""
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["code"] == "MASTER_TARGET_FULL" and body["disks"] == 61, body
    assert body["masterTarget"] in body["detail"] and "56 attached" in body["detail"], body
    assert "= 61" in body["detail"], body


def test_a_second_run_on_a_master_target_near_60_disks_is_refused_while_the_first_reprotects(
    sixty: FailbackStack,
) -> None:
    """V3: a run live on the master target counts; the next request is refused before anything starts."""
    first = sixty.start_failback(_request("vmw-win01"))
    sixty.drive_to(first, phase="sync", timeout=90)
    _refused_for_disks(sixty.post("/api/failbacks", _request("vmw-win02")))
    assert [r["runId"] for r in sixty.get("/api/failbacks").json()["runs"]] == [first]
    report = approve_and_finish(sixty, first, timeout=120)
    assert report["outcome"] == "succeeded", report.get("error")
    assert sixty.invariants() == []


def _race(stack: FailbackStack) -> list[requests.Response]:
    """POST both VMs' requests at the same instant (a barrier releases the threads together)."""
    barrier = threading.Barrier(len(VMS))
    key = {"x-functions-key": stack.running.function_key}

    def post(vm: str) -> requests.Response:
        body = _request(vm)
        barrier.wait(timeout=30)
        return requests.post(stack.url("/api/failbacks"), json=body, headers=key, timeout=60)

    with ThreadPoolExecutor(max_workers=len(VMS)) as pool:
        return list(pool.map(post, VMS))


def test_two_requests_at_once_on_one_master_target_exactly_one_starts_each_round(tmp_path: Path) -> None:
    """V3 atomic: of two simultaneous requests whose disks exceed 60 together, exactly one starts.

    Each round has a stack of its own: a run's data sync attaches its disks to the master target, so
    a round after another would race on a different disk count.
    """
    winners: list[str] = []
    for n in range(ROUNDS):
        with FailbackStack(tmp_path / f"round-{n}", scenario="vmware-60-disks") as sixty:
            answers = _race(sixty)
            started = [a for a in answers if a.status_code in (200, 202)]
            refused = [a for a in answers if a.status_code == 409]
            assert len(started) == 1 and len(refused) == 1, [(a.status_code, a.text) for a in answers]
            _refused_for_disks(refused[0])
            run_id = str(started[0].json()["id"])
            winners.append(VMS[answers.index(started[0])])
            assert [r["runId"] for r in sixty.get("/api/failbacks").json()["runs"]] == [run_id]
            view = sixty.drive_to(run_id, awaiting="approval", timeout=120)
            assert view["runtimeStatus"] == "Running", view  # the one that started passed its pre-flight
            assert sixty.invariants() == []
    assert len(winners) == ROUNDS, winners
