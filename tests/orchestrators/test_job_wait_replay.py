"""Replay tests of ``wait_for_asr_job``: adaptive durable timers, bounded history, progress."""

from __future__ import annotations

import itertools
from typing import Any

from domain.jobs import next_poll_seconds
from orchestrators.job_wait import POLLS_PER_GENERATION, wait_input
from tests.orchestrators.replay import ScriptedHost
from tests.orchestrators.scenario import VAULT, failback_error, handle

ITEM = {"fabric": "hv-site", "container": "cloud", "name": "vm-item"}


def snapshot(
    state: str, percent: float | None = None, eta: int | None = None, syncing: bool = False
) -> dict[str, Any]:
    task = {"name": "DataSync", "friendlyName": "Synchronize data", "state": "InProgress"}
    return {
        "jobId": "job-1",
        "state": state,
        "currentTask": task if state == "InProgress" else None,
        "tasks": [task],
        "percent": percent,
        "etaSeconds": eta,
        "dataSyncInProgress": syncing,
        "errors": [],
    }


def host_for(snapshots: list[dict[str, Any]], **kwargs: Any) -> ScriptedHost:
    reads = iter(snapshots)
    return ScriptedHost(
        handle=handle("wait_for_asr_job"),
        input=wait_input(VAULT, "job-1", "sync", **kwargs),
        activities={"get_job": lambda p: next(reads), "get_item": lambda p: {"protectionState": "Protected"}},
    )


def test_polls_with_adaptive_back_off_until_the_job_ends_and_reports_progress_H5() -> None:
    snaps = [
        snapshot("InProgress", 10.0, 3000, syncing=True),  # long transfer: wait long
        snapshot("InProgress", 90.0, 20),  # about to finish: wait short
        snapshot("Succeeded", 100.0, 0),
    ]
    host = host_for(snaps).run()
    assert host.output["state"] == "Succeeded"
    assert host.output["polls"] == 2
    starts = [e.at for e in host.episodes]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    timer_gaps = [g for g in gaps if g > 2]  # activity completions take 1 s in the script
    assert timer_gaps[0] >= next_poll_seconds(snaps[0]) > timer_gaps[1]
    progress = [s["progress"] for s in host.statuses if s and s.get("progress")]
    assert progress[0] == {"task": "Synchronize data", "percent": 10.0, "etaSeconds": 3000}


def test_stops_at_suspended_when_asked_H3a() -> None:
    host = host_for(
        [snapshot("InProgress", 50.0, 100), snapshot("Suspended", 50.0)], stop_when_suspended=True
    ).run()
    assert host.output["state"] == "Suspended"


def test_suspended_is_not_the_end_when_not_asked() -> None:
    host = host_for(
        [snapshot("Suspended"), snapshot("InProgress", 80.0, 30), snapshot("Succeeded", 100.0)]
    ).run()
    assert host.output["state"] == "Succeeded"


def test_history_stays_bounded_by_continuing_as_new() -> None:
    polls = 3 * POLLS_PER_GENERATION + 5
    host = host_for([snapshot("InProgress", 1.0, None, syncing=True)] * polls + [snapshot("Failed")])
    longest = 0
    while host.step():
        longest = max(longest, host.event_count())
    assert host.output["state"] == "Failed"
    assert host.output["polls"] == polls
    assert host.generations == 4
    assert longest < 10 * POLLS_PER_GENERATION


def test_waits_until_the_item_is_protected_again_H8() -> None:
    """R9/R10: Protected is not enough; the RPO must be within the SLA."""
    facts = iter(
        [
            {"protectionState": "InitialReplicationInProgress", "rpoSeconds": None, "rpoReported": True},
            {"protectionState": "Protected", "rpoSeconds": 3000, "rpoReported": True},
            {"protectionState": "Protected", "rpoSeconds": 60, "rpoReported": True},
        ]
    )
    host = host_for([snapshot("Succeeded", 100.0)], until_protected=True, item=ITEM, rpo_sla_seconds=1800)
    host.activities["get_item"] = lambda p: next(facts)
    host.run()
    assert host.output["state"] == "Succeeded"
    assert host.output["protectionState"] == "Protected"
    protection = host.output["protection"]
    assert protection["withinSla"] is True and protection["timedOut"] is False
    assert protection["rpoSeconds"] == 60 and protection["protectedAt"] < protection["withinSlaAt"]
    assert [n for n, _ in host.calls].count("get_item") == 3


def test_an_rpo_that_never_meets_the_sla_ends_the_wait_at_the_bound_R9() -> None:
    host = host_for(
        [snapshot("Succeeded", 100.0)],
        until_protected=True,
        item=ITEM,
        rpo_sla_seconds=60,
        max_wait_seconds=3600,
    )
    host.activities["get_item"] = lambda p: {
        "protectionState": "Protected",
        "rpoSeconds": 900,
        "rpoReported": True,
    }
    host.run()
    protection = host.output["protection"]
    assert protection["timedOut"] is True and not protection.get("withinSla")
    assert protection["rpoSeconds"] == 900
    # the bound is kept: polls stop at the deadline, not at the next doubled back-off
    assert [n for n, _ in host.calls].count("get_item") <= 12


def test_transient_read_failures_are_retried_and_lasting_ones_fail_with_their_code() -> None:
    errors = [failback_error("ARM_UNAVAILABLE", "503")]
    reads = iter([snapshot("Succeeded", 100.0)])

    def get_job(payload: Any) -> Any:
        if errors:
            raise errors.pop(0)
        return next(reads)

    host = host_for([])
    host.activities["get_job"] = get_job
    host.run()
    assert host.output["state"] == "Succeeded"

    failing = host_for([])
    failing.activities["get_job"] = lambda p: (_ for _ in ()).throw(failback_error("JOB_NOT_FOUND", "gone"))
    failing.run()
    assert failing.error is not None and "[JOB_NOT_FOUND]" in failing.error
