"""The simulator's variants of what no recording settles (simulator/profiles.py, RECORDED.md G1-G8).

Each test switches the module's server to one profile, drives it through the real SDK client and
checks what that variant changes on the wire; the fixture puts the default profile back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from tests.simulator.conftest import APP01, RG, VAULT, WEB01, Sim, failback_input


@pytest.fixture
def profiled(sim: Sim) -> Iterator[Any]:
    """``profiled("name")`` reseeds the world under that profile; the default comes back afterwards."""

    def use(name: str) -> None:
        sim.control.reset("default", profile=name)

    yield use
    sim.control.reset("default", profile="recorded")


class _Headers:
    def __init__(self) -> None:
        self.value: dict[str, str] | None = None

    def __call__(self, response: Any) -> None:
        if self.value is None:
            self.value = dict(response.http_response.headers)


def _suspended_failback(sim: Sim) -> str:
    sim.failback(WEB01, "ForDownTime")
    job = sim.job_id_of(WEB01)
    sim.advance(3600)
    return job


def test_G1_wait_inprogress_keeps_the_job_in_progress_with_only_the_manual_task_suspended(
    sim: Sim, profiled: Any
) -> None:
    profiled("wait-inprogress")
    job = sim.job(_suspended_failback(sim))
    assert job.properties.state == "InProgress"
    assert job.properties.allowed_actions == ["Cancel", "Resume"]
    manual = next(t for t in job.properties.tasks if t.friendly_name == "Complete failover")
    assert manual.state == "Suspended" and manual.task_type == "ManualActionTaskDetails"
    assert manual.name == "VmPfoWaitForCompleteFailover"  # G5 coded task names in this profile
    resumed = sim.resume(job.name)
    sim.advance(3600)
    assert resumed.result().properties.state == "Succeeded"
    assert sim.item(WEB01).properties.protection_state == "FinalizeRestorePending"


def test_G3_resume_new_job_continues_in_a_job_the_item_names_and_ends_the_old_one(
    sim: Sim, profiled: Any
) -> None:
    profiled("new-job-ids")
    old = _suspended_failback(sim)
    resumed = sim.resume(old)
    running = sim.job_id_of(WEB01)
    assert running != old
    assert sim.job(old).properties.state == "Succeeded"
    assert sim.job(running).properties.scenario_name == "PlannedFailover"
    sim.advance(3600)
    assert resumed.result().name == running
    assert sim.item(WEB01).properties.protection_state == "FinalizeRestorePending"
    assert sim.control.invariants() == []


def test_G4_item_lro_ids_differ_from_job_names_and_the_status_names_the_job(sim: Sim, profiled: Any) -> None:
    profiled("new-job-ids")
    headers = _Headers()
    poller = sim.track(
        sim.asr.replication_protected_items.begin_planned_failover(
            RG, VAULT, *WEB01, failback_input("ForSynchronization"), raw_response_hook=headers
        )
    )
    job = sim.job_id_of(WEB01)
    operation = (headers.value or {})["Azure-AsyncOperation"].split("?")[0].rsplit("/", 1)[1]
    assert operation != job
    assert (headers.value or {})["x-ms-request-id"] == operation
    sim.advance(7200)
    assert poller.result().properties.protection_state == "FinalizeRestorePending"


def test_G7_strict_filter_refuses_names_the_job_query_does_not_have(sim: Sim, profiled: Any) -> None:
    profiled("strict-service")
    sim.failback(WEB01, "ForDownTime")
    with pytest.raises(HttpResponseError) as refused:
        list(sim.asr.replication_jobs.list(RG, VAULT, filter="State eq 'InProgress'"))
    assert refused.value.status_code == 400 and refused.value.error.code == "InvalidFilter"
    running = list(sim.asr.replication_jobs.list(RG, VAULT, filter="JobStatusType eq 'InProgress'"))
    assert [j.name for j in running] == [sim.job_id_of(WEB01)]


def test_G7_lenient_filter_ignores_unknown_clauses_and_understands_job_status_type(sim: Sim) -> None:
    sim.failback(WEB01, "ForDownTime")
    assert len(list(sim.asr.replication_jobs.list(RG, VAULT, filter="Nonsense eq 'x'"))) == 1
    assert len(list(sim.asr.replication_jobs.list(RG, VAULT, filter="JobStatusType eq 'Succeeded'"))) == 0


@pytest.mark.parametrize(
    ("profile", "status", "code"),
    [("recorded", 409, "OperationNotAllowed"), ("strict-service", 400, "28086")],
)
def test_G8_a_refused_operation_carries_the_profiles_status_and_code(
    sim: Sim, profiled: Any, profile: str, status: int, code: str
) -> None:
    profiled(profile)
    with pytest.raises(HttpResponseError) as refused:
        sim.asr.replication_protected_items.begin_failover_commit(RG, VAULT, *APP01, polling=False)
    assert refused.value.status_code == status and refused.value.error.code == code
