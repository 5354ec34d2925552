"""Replay tests: the job wait reads the job where its next change is due (issue 14).

The switchover's end ends ASR's part of the downtime; every second between it and the wait's
read is downtime the workflow adds. These tests drive ``wait_for_asr_job`` against a job that
progresses with the replay clock (built with ``domain.jobs.job_snapshot`` from wire-shaped
tasks, as the ``get_job`` activity does) and look at *when* the job was read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.jobs import job_snapshot
from domain.poll_plan import typical_seconds
from orchestrators.job_wait import wait_input
from tests.orchestrators.replay import T0, ScriptedHost
from tests.orchestrators.scenario import VAULT, handle

UNSET = "0001-01-01T00:00:00"


def switchover(start: datetime, lengths: dict[str, float]) -> list[tuple[str, str, float]]:
    """(name, friendly name, seconds) of a resumed failback job's remaining tasks."""
    names = [
        ("ShutdownVmOnRecovery", "Shut down the virtual machine in Azure"),
        ("SynchronizeData", "Synchronize data"),
        ("VmFailover", "Fail over"),
        ("StartVmOnPrimary", "Start the virtual machine on-premises"),
    ]
    return [(n, f, lengths[n]) for n, f in names]


class ProgressingJob:
    """A job whose tasks run one after the other from ``start``, read at the replay clock."""

    def __init__(self, host_clock: Any, start: datetime, tasks: list[tuple[str, str, float]]) -> None:
        self.clock, self.start, self.tasks = host_clock, start, tasks
        self.reads: list[datetime] = []

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=sum(t[2] for t in self.tasks))

    def wire(self, now: datetime) -> dict[str, Any]:
        out, at = [], self.start
        for name, friendly, seconds in self.tasks:
            end = at + timedelta(seconds=seconds)
            state = "Succeeded" if now >= end else "InProgress" if now >= at else "NotStarted"
            out.append(
                {
                    "name": name,
                    "friendlyName": friendly,
                    "state": state,
                    "startTime": at.isoformat() if now >= at else UNSET,
                    "endTime": end.isoformat() if now >= end else UNSET,
                }
            )
            at = end
        done = now >= self.end
        props = {
            "state": "Succeeded" if done else "InProgress",
            "startTime": self.start.isoformat(),
            "endTime": self.end.isoformat() if done else UNSET,
            "tasks": out,
        }
        return {"name": "job-1", "properties": props}

    def read(self, payload: Any) -> dict[str, Any]:
        now = self.clock()
        self.reads.append(now)
        return job_snapshot(self.wire(now), now)


def run_wait(lengths: dict[str, float]) -> tuple[ProgressingJob, ScriptedHost]:
    host = ScriptedHost(handle=handle("wait_for_asr_job"), input=wait_input(VAULT, "job-1", "switchover"))
    job = ProgressingJob(lambda: host.clock, T0, switchover(T0, lengths))
    host.activities["get_job"] = job.read
    host.run()
    assert host.output["state"] == "Succeeded"
    return job, host


TYPICAL = {
    "ShutdownVmOnRecovery": 60.0,
    "SynchronizeData": 30.0,
    "VmFailover": 60.0,
    "StartVmOnPrimary": 90.0,
}


def test_the_read_after_each_task_lands_at_its_expected_end() -> None:
    job, host = run_wait(TYPICAL)
    latency = timedelta(seconds=host.activity_seconds)  # a read reaches ASR this long after its timer
    boot_start = job.end - timedelta(seconds=TYPICAL["StartVmOnPrimary"])
    assert typical_seconds({"name": "StartVmOnPrimary", "friendlyName": "Start the virtual machine"}) == 90
    # the read that sees the job done is the one aimed at the boot task's expected end
    assert job.reads[-1] == job.end + latency
    during_boot = [r for r in job.reads if boot_start <= r < job.end]
    assert len(during_boot) == 1  # the read that saw the boot start; nothing more until it is due
    shutdown_end = T0 + timedelta(seconds=TYPICAL["ShutdownVmOnRecovery"])
    assert shutdown_end + latency in job.reads  # the shutdown's end was read at once too


def test_a_task_running_late_is_still_seen_within_a_few_seconds() -> None:
    late = {**TYPICAL, "StartVmOnPrimary": TYPICAL["StartVmOnPrimary"] + 7}
    job, _ = run_wait(late)
    seen_after = (job.reads[-1] - job.end).total_seconds()
    assert 0 <= seen_after <= 5


def test_no_more_reads_than_the_job_has_changes_when_tasks_run_as_expected() -> None:
    """4 tasks: a first read, one per task end (the data sync, without an estimate, a few more)."""
    job, _ = run_wait(TYPICAL)
    assert len(job.reads) <= 8


def test_a_task_reporting_its_progress_is_read_at_the_end_its_progress_gives() -> None:
    """ASR's percent on a task wins over the typical length (e.g. a slow boot at 25 % after 60 s)."""
    start = T0 - timedelta(seconds=60)
    task = {
        "name": "StartVmOnPrimary",
        "friendlyName": "Start the virtual machine on-premises",
        "state": "InProgress",
        "startTime": start.isoformat(),
        "endTime": UNSET,
        "stateDescription": "25% done",
    }
    wire = {
        "name": "job-1",
        "properties": {"state": "InProgress", "startTime": start.isoformat(), "tasks": [task]},
    }
    reads: list[datetime] = []

    def read(payload: Any) -> dict[str, Any]:
        reads.append(host.clock)
        if len(reads) == 2:
            return job_snapshot(
                {**wire, "properties": {**wire["properties"], "state": "Succeeded"}}, host.clock
            )
        return job_snapshot(wire, host.clock)

    host = ScriptedHost(handle=handle("wait_for_asr_job"), input=wait_input(VAULT, "job-1", "switchover"))
    host.activities["get_job"] = read
    host.run()
    # about 60 s for 25 %: the end is due about 240 s after the start, not at the typical 90 s
    due = start + (reads[0] - start) / 0.25
    assert reads[1] == due + timedelta(seconds=host.activity_seconds)
    assert (due - start).total_seconds() > 2 * 90
