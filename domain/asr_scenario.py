"""What ASR is doing with an item or a plan now: a failback under way, whose, and since when.

Read by pre-flight (adopt or refuse, issue 12) and by the plan operations (R24, R25).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.items import current_scenario, parse_time
from domain.jobs import is_sync_task
from domain.request import FailbackRequest

#: ASR's scenario name of a planned failover; on an item active in Azure it runs RecoveryToPrimary.
FAILBACK_SCENARIO = "PlannedFailover"


#: Task names only a ``ForDownTime`` (before-failover) failback job has.
_BEFORE_FAILOVER_TASKS = ("SynchronizeDataBeforeFailover", "CompleteFailover")


def failback_under_way(facts: Mapping[str, Any], req: FailbackRequest) -> Mapping[str, Any] | None:
    """The item's running scenario when it is this same failback (to adopt), else ``None``.

    A planned failover running on a Hyper-V item that is active in Azure can only be the
    failback (``RecoveryToPrimary``): started from the portal, by a script or by an earlier
    run that died. ``start_failback`` adopts its job instead of starting a second one
    (issue 4: idempotent). Only item-level Hyper-V runs adopt (a plan has its own job), and
    never a job another run in progress drives (the request's ``liveRunJobs``
    ``{jobId: runId}``, set by the HTTP layer: a second run naming the item differently).
    """
    scenario = facts.get("currentScenario")
    if not scenario or req.kind != "hyperv" or driving_run(scenario, req):
        return None
    same = (
        str(scenario.get("scenarioName")) == FAILBACK_SCENARIO
        and facts.get("activeLocation") == "Recovery"
        and facts.get("provider") == "HyperVReplicaAzure"
    )
    return scenario if same else None


def driving_run(scenario: Mapping[str, Any], req: FailbackRequest) -> str | None:
    """The run in progress that drives the scenario's job, if the HTTP layer saw one."""
    live = req.extra.get("liveRunJobs") or {}
    return str(live[scenario.get("jobId")]) if scenario.get("jobId") in live else None


def adopted_data_sync(job: Mapping[str, Any]) -> str | None:
    """The data-sync option of a failback job under way, from its tasks (``None``: cannot tell).

    Args:
        job: the job in wire shape (``{name, properties: {state, tasks: [{name, ...}]}}``).
    """
    props = job.get("properties") or {}
    tasks = list(props.get("tasks") or [])
    names = {str(t.get("name")) for t in tasks}
    # G5: the task names are not recorded; a manual-action task (the "complete failover" wait)
    # or a Suspended job marks before-failover whatever the names, and a data-sync task without
    # one marks during-failover.
    manual = any(t.get("taskType") == "ManualActionTaskDetails" for t in tasks)
    if names & set(_BEFORE_FAILOVER_TASKS) or manual or props.get("state") == "Suspended":
        return "before-failover"
    if "SynchronizeData" in names or any(is_sync_task(t) for t in tasks):
        return "during-failover"
    return None


#: ``currentScenarioStatus`` values of a recovery plan whose last operation has ended (R24).
PLAN_SCENARIO_ENDED = ("Succeeded", "Failed", "Cancelled", "Canceled", "Completed")


def plan_running(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """The plan's operation under way, ``None`` when the plan is idle.

    R24/R25: a plan keeps its last ``currentScenario`` (``{scenarioName, jobId, startTime}``) after
    its job ends, with ``currentScenarioStatus`` ``Succeeded`` / ``Failed`` / ``Cancelled``: a set
    scenario alone does not make a plan busy; only a status that is not one of those does.
    """
    scenario = current_scenario(props)
    if scenario is None:
        return None
    status = str(props.get("currentScenarioStatus") or "")
    if status in PLAN_SCENARIO_ENDED:
        return None
    return {**scenario, "status": status}


def plan_scenario_is_new(scenario: Mapping[str, Any], baseline: Mapping[str, Any] | None) -> bool:
    """Whether the plan's ``scenario`` started after ``baseline`` (the scenario pre-flight saw).

    A run adopts only an operation it started itself, never the last finished one (R24).
    Without a baseline nothing finished is the run's own.
    """
    if not baseline:
        return False
    if baseline.get("jobId") and str(baseline["jobId"]).lower() == str(scenario.get("jobId") or "").lower():
        return False
    started, before = parse_time(scenario.get("startTime")), parse_time(baseline.get("startTime"))
    return started is None or before is None or started > before
