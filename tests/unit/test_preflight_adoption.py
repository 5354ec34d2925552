"""Pre-flight adopts this item's failback already under way, and still refuses any other scenario.

Issue 4: "idempotent — if the item already has this scenario under way, adopt its job instead
of starting another" (a failback started from the portal, or by a run that died).
"""

import pytest

from domain.asr_scenario import adopted_data_sync
from domain.items import fabric_facts, item_facts
from domain.preflight import run_preflight
from domain.request import FailbackRequest, parse_failback_request
from domain.sync_policy import resolve_data_sync
from tests.unit.samples import NOW, fabric, job, provider, request_body, rpi, task

RUNNING = {
    "scenarioName": "PlannedFailover",
    "jobId": "/x/replicationJobs/j-7",
    "startTime": "2026-01-10T11:00:00Z",
}


def _checks(item, extra=None, **req):
    facts = item_facts(item, on_prem_vm_present=True)
    request = parse_failback_request(request_body(**req))
    if extra:  # what the HTTP layer adds after validation
        request = FailbackRequest.from_dict({**request.to_dict(), **extra})
    result = run_preflight(facts, fabric_facts(fabric(), [provider()]), request, NOW)
    return result["passed"], {c["id"]: c for c in result["checks"]}


def test_a_failback_under_way_passes_with_evidence_adopting_its_job():
    # While a job runs ASR lists no allowed operation, so H2c must not fail either.
    passed, checks = _checks(rpi(currentScenario=RUNNING, allowedOperations=[]))
    assert passed is True
    assert checks["IDLE"]["passed"] and checks["IDLE"]["evidence"].startswith("adopting job j-7")
    assert checks["H2c"]["passed"] and "adopting job j-7" in checks["H2c"]["evidence"]


@pytest.mark.parametrize(
    ("scenario", "props"),
    [
        ({**RUNNING, "scenarioName": "TestFailover"}, {}),  # another scenario
        ({**RUNNING, "scenarioName": "DisableProtection"}, {}),
        (RUNNING, {"activeLocation": "Primary"}),  # a planned failover *to* Azure
    ],
)
def test_any_other_scenario_in_progress_is_still_refused(scenario, props):
    passed, checks = _checks(rpi(currentScenario=scenario, allowedOperations=[], **props))
    assert passed is False and checks["IDLE"]["passed"] is False
    assert "adopting" not in checks["IDLE"]["evidence"]


def test_a_recovery_plan_run_does_not_adopt_an_item_job():
    _, checks = _checks(
        rpi(currentScenario=RUNNING, allowedOperations=[]), kind="recovery-plan", recoveryPlan="rp-web"
    )
    assert checks["IDLE"]["passed"] is False


def test_the_adopted_jobs_option_comes_from_its_tasks():
    before = job(
        "InProgress",
        [task("SynchronizeDataBeforeFailover", "InProgress"), task("CompleteFailover", "NotStarted")],
    )
    during = job(
        "InProgress", [task("ShutdownVmOnRecovery", "InProgress"), task("SynchronizeData", "NotStarted")]
    )
    assert adopted_data_sync(before) == "before-failover"
    assert adopted_data_sync(job("Suspended", [])) == "before-failover"
    assert adopted_data_sync(during) == "during-failover"
    assert adopted_data_sync(job("InProgress", [])) is None


def test_the_adopted_jobs_option_wins_over_the_request_and_says_why_H3():
    facts = item_facts(rpi(currentScenario=RUNNING, allowedOperations=[]), on_prem_vm_present=True)
    facts["currentScenario"]["dataSyncOption"] = "before-failover"
    sync = resolve_data_sync("during-failover", facts, "original", NOW)
    assert sync["dataSyncOption"] == "before-failover" and sync["source"] == "adopted-job"
    assert "j-7" in sync["reason"] and "during-failover" in sync["reason"]
    facts["currentScenario"]["dataSyncOption"] = None  # cannot tell: the usual choice
    assert resolve_data_sync("during-failover", facts, "original", NOW)["source"] == "request"


def test_a_job_another_live_run_drives_is_not_adopted():
    """A second run naming the item differently must not drive the first run's job too."""
    item = rpi(currentScenario=RUNNING, allowedOperations=[])
    passed, checks = _checks(item, extra={"liveRunJobs": {"j-7": "fb-vault-dr-web01-20260110110000"}})
    assert passed is False and checks["IDLE"]["passed"] is False
    assert "driven by run fb-vault-dr-web01-20260110110000" in checks["IDLE"]["evidence"]


def test_the_adopted_jobs_option_does_not_hang_on_task_names_G5():
    """No recording shows the failback's task names: the manual wait and the sync tasks decide."""
    before = job(
        "InProgress",
        [
            task("VmPfoSyncDataBeforeFailover", "InProgress", "Synchronize data before failover"),
            task(
                "VmPfoWaitForCompleteFailover",
                "NotStarted",
                "Complete failover",
                taskType="ManualActionTaskDetails",
            ),
        ],
    )
    during = job(
        "InProgress",
        [
            task("VmPfoShutdownVm", "InProgress", "Shut down the virtual machine in Azure"),
            task("VmPfoSyncDataAfterShutdown", "NotStarted", "Synchronize data"),
        ],
    )
    assert adopted_data_sync(before) == "before-failover"
    assert adopted_data_sync(during) == "during-failover"
    assert adopted_data_sync(job("InProgress", [task("VmPfoFailover", "InProgress", "Fail over")])) is None
