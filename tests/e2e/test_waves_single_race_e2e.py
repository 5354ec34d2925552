"""A waves run and a single run for the same VM, started at the same instant: one acts (W6; issue 12, part 1).

Their run ids differ (the waves' and the VM's), so only the per-item lock (``function_app.item_locks``)
keeps them apart: each round releases both requests together with a barrier; exactly one starts, the
other is told which run holds the VM (the single request joins the waves run, or the waves request is
refused 409 ``ITEM_HELD`` naming the single run). The winner is then cancelled at its approval gate so
the next round starts clean.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from scripts.failback_stack import FailbackStack, sample_request

#: Rounds raced (the figure issue 12 asks for): one VM of the scenario each.
ROUNDS = 8


def _waves(vm: str) -> dict[str, Any]:
    body = sample_request("x", kind="waves", waves=[{"items": [vm]}], wavePolicy={"approval": "once"})
    del body["item"]
    body["verification"] = {"workspaceId": body["verification"]["workspaceId"], "windowMinutes": 30}
    return body


def _race(stack: FailbackStack, bodies: list[dict[str, Any]]) -> list[requests.Response]:
    barrier = threading.Barrier(len(bodies))
    key = {"x-functions-key": stack.running.function_key}

    def post(body: dict[str, Any]) -> requests.Response:
        barrier.wait(timeout=30)
        return requests.post(stack.url("/api/failbacks"), json=body, headers=key, timeout=60)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_a_waves_run_and_a_single_run_for_one_vm_started_together_never_both_act(tmp_path: Path) -> None:
    """W6: exactly one run per VM whatever the trigger; the other requester learns which run holds it."""
    winners = {"waves": 0, "single": 0}
    with FailbackStack(tmp_path, scenario="scale-10") as stack:
        for n in range(1, ROUNDS + 1):
            vm = f"scale{n:04d}"
            waves, single = _race(stack, [_waves(vm), sample_request(vm)])
            assert single.status_code in (200, 202), single.text
            if waves.status_code == 409:  # the single run holds the VM
                assert waves.json()["code"] == "ITEM_HELD" and single.json()["existing"] is False
                winner = single.json()["id"]
                assert waves.json()["runId"] == winner, (waves.text, single.text)
                winners["single"] += 1
            else:  # the waves run holds it: the single request is answered with that run
                assert waves.status_code == 202 and waves.json()["existing"] is False, waves.text
                winner = waves.json()["id"]
                assert single.json()["existing"] is True and single.json()["id"] == winner, single.text
                winners["waves"] += 1
            stack.drive_to(winner, awaiting="approval")
            cancel = stack.post(f"/api/failbacks/{winner}/cancel", {"reason": "race round over"})
            assert cancel.status_code == 202, cancel.text
            assert stack.finish(winner)["outcome"] == "cancelled"
        # each single winner synchronized phase 1 once; a waves run cancelled at its gate started nothing
        assert stack.writes().get("write items.planned_failover", 0) == winners["single"], winners
        assert stack.invariants() == []
    print(f"waves vs single: {ROUNDS} rounds, {ROUNDS} runs started, winners {winners}")
