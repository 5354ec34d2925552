"""A wave's ASR reads come from vault-level lists per grid point, and adoption stays safe (issue 14).

Read-before-write of many VMs is served by one item list read at the grid point the writes waited
for — never by one GET per VM — but only when that list was read after the run decided to write,
and only once per item: a job started a moment before still is adopted, never started twice (H1).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from activities import tick_cache
from activities.jobs import read
from activities.operations import start
from activities.shared_items import shared_item
from activities.shared_jobs import shared_job
from activities.tick_cache import TickCache, tick_of
from orchestrators.durable import iso

ITEMS = [
    {"fabric": "site-scale", "container": "scale-container", "name": f"rpi-scale{n:04d}"}
    for n in range(1, 11)
]


@pytest.fixture
def wave(env: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Ten protected VMs back in Azure, a fresh request log and an empty per-tick cache."""
    monkeypatch.setattr(tick_cache, "CACHE", TickCache())
    env.sim.control.reset("scale-10")
    yield env
    env.sim.control.reset("default")


def _reads(env: Any) -> dict[str, int]:
    counts = env.sim.control.requests()["byKind"]
    return {k.split(" ", 1)[1]: v for k, v in counts.items() if k.startswith("read ")}


def _posts(env: Any) -> int:
    return int(env.sim.control.requests()["byKind"].get("write items.planned_failover", 0))


def _next_tick(env: Any) -> tuple[str, str]:
    """Decide now; the write waits for the next grid point: ``(writeTick, decidedAt)``."""
    decided = env.clock.now()
    env.advance(60)
    return tick_of(env.clock.now()), iso(decided)


def _failback(env: Any, item: dict[str, str], **shared: str) -> dict[str, Any]:
    payload = env.payload(item=item, dataSyncOption="before-failover", location="original", **shared)
    return start(payload, env.settings)


def test_ten_vms_read_before_write_costs_one_item_list_not_ten_gets(wave: Any) -> None:
    tick, decided = _next_tick(wave)
    results = [_failback(wave, item, writeTick=tick, decidedAt=decided) for item in ITEMS]
    assert _reads(wave) == {"items.list": 1}  # 10 failbacks started: one list, no GET before or after
    assert _posts(wave) == 10 and not any(r["adopted"] for r in results)
    # each answer names the job started on its own VM (the job waits find it in the next job scan)
    jobs = {j["name"]: j for j in wave.jobs()}
    assert sorted(r["jobId"] for r in results) == sorted(jobs)
    later = tick_of(wave.clock.now() + timedelta(seconds=60))
    wave.advance(60)
    for item, result in zip(ITEMS, results, strict=True):
        snap = shared_job(
            wave.payload(jobId=result["jobId"], tick=later, phase="sync", item=item), wave.settings
        )
        assert snap["jobId"] == result["jobId"] and snap["scenarioName"] == "PlannedFailover"
        assert snap["targetObjectName"] == item["name"].removeprefix("rpi-")
    assert _reads(wave) == {"items.list": 1, "jobs.list": 1}  # ten waits: one page of one job scan


def test_a_failback_started_after_the_list_was_read_is_adopted_not_started_again_H1(wave: Any) -> None:
    # the grid point's item list is read (a VM waiting for protection polled it) ...
    tick = tick_of(wave.clock.now())
    shared_item(wave.payload(item=ITEMS[1], tick=tick), wave.settings)
    # ... then an operator starts VM 1's failback, then the wave decides to start it in the same minute
    theirs = _failback(wave, ITEMS[0])
    decided = iso(wave.clock.now() + timedelta(seconds=1))
    ours = _failback(wave, ITEMS[0], writeTick=tick, decidedAt=decided)
    assert ours == {**theirs, "adopted": True, "dataSyncOption": "ForDownTime"}
    assert _posts(wave) == 1 and len(wave.jobs()) == 1


def test_a_list_serves_each_vms_write_once_so_a_retry_adopts_its_own_job_H1(wave: Any) -> None:
    tick, decided = _next_tick(wave)
    first = _failback(wave, ITEMS[0], writeTick=tick, decidedAt=decided)
    # the answer was lost; the same activity runs again in the same minute: the list read before its
    # POST still shows the VM idle, so the retry reads the item itself and sees its own job
    again = _failback(wave, ITEMS[0], writeTick=tick, decidedAt=decided)
    assert again["jobId"] == first["jobId"] and again["adopted"] is True
    assert _posts(wave) == 1 and len(wave.jobs()) == 1
    assert read(wave.payload(jobId=first["jobId"]), wave.settings)["scenarioName"] == "PlannedFailover"


def test_a_failback_that_ended_after_the_grid_points_list_was_read_is_adopted_H1(wave: Any) -> None:
    # the wave decided; at the grid point another worker's activity read the item list ...
    tick, decided = _next_tick(wave)
    shared_item(wave.payload(item=ITEMS[1], tick=tick), wave.settings)
    # ... then VM 1's failback ran to its end (an earlier attempt whose answer was lost)
    theirs = start(
        wave.payload(item=ITEMS[0], dataSyncOption="during-failover", location="original"), wave.settings
    )
    wave.advance_until(
        lambda: read(wave.payload(jobId=theirs["jobId"]), wave.settings)["state"] == "Succeeded"
    )
    # the list still shows the VM in Azure: ASR refuses the POST, the write reads the item and adopts
    ours = start(
        wave.payload(
            item=ITEMS[0],
            dataSyncOption="during-failover",
            location="original",
            writeTick=tick,
            decidedAt=decided,
        ),
        wave.settings,
    )
    assert ours["jobId"] == theirs["jobId"] and ours["adopted"] is True
    assert len(wave.jobs()) == 1
