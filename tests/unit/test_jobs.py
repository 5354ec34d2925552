"""Job snapshots, data-sync detection (H10), progress (H5) and adaptive polling (issue 4 §3)."""

from hypothesis import given
from hypothesis import strategies as st

from domain.jobs import MAX_POLL_SECONDS, MIN_POLL_SECONDS, job_snapshot, next_poll_seconds, progress_of
from tests.unit.samples import NOW, job, task

SYNC = "FailbackDataSyncTask"


def _tasks(sync_state="InProgress", **extra):
    return [
        task("PreflightChecks", "Succeeded"),
        task(SYNC, sync_state, "Synchronize data (Azure to on-premises)", **extra),
        task("StartVmOnPrimary", "NotStarted"),
        task("FinalizeFailback", "NotStarted"),
    ]


def test_snapshot_has_the_contract_keys_and_current_task():
    snap = job_snapshot(job(tasks=_tasks()), NOW)
    assert snap["jobId"] == "11111111-aaaa-4bbb-8ccc-000000000001"
    assert snap["state"] == "InProgress"
    assert snap["currentTask"]["name"] == SYNC
    assert snap["tasks"][2]["startTime"] is None  # ASR's 0001-01-01 means unset
    assert snap["dataSyncInProgress"] is True
    assert snap["percent"] == 25.0
    contract = {
        "jobId",
        "state",
        "stateDescription",
        "scenarioName",
        "allowedActions",
        "startTime",
        "endTime",
        "currentTask",
        "tasks",
        "percent",
        "etaSeconds",
        "dataSyncInProgress",
        "errors",
    }
    assert contract <= snap.keys()


def test_eta_from_elapsed_time_and_task_progress():
    # one hour elapsed; 1 of 4 tasks done and the sync task half way: 37.5 % -> 100 min left
    snap = job_snapshot(job(tasks=_tasks(customDetails={"progressPercentage": 50})), NOW)
    assert snap["percent"] == 37.5
    assert snap["etaSeconds"] == 6000


def test_percent_from_state_description():
    snap = job_snapshot(job(tasks=_tasks(stateDescription="Transferred 80% of data")), NOW)
    assert snap["percent"] == 45.0


def test_no_sync_in_progress_when_suspended_or_other_task_runs_H10():
    suspended = job(
        "Suspended",
        tasks=[
            task("PreflightChecks", "Succeeded"),
            task(SYNC, "Succeeded"),
            task("WaitForCompleteFailover", "Suspended"),
        ],
        allowedActions=["Cancel", "Resume"],
    )
    snap = job_snapshot(suspended, NOW)
    assert snap["dataSyncInProgress"] is False
    assert snap["currentTask"]["name"] == "WaitForCompleteFailover"
    assert snap["etaSeconds"] is None
    assert (
        job_snapshot(job(tasks=[task("StartVmOnPrimary", "InProgress")]), NOW)["dataSyncInProgress"] is False
    )


def test_failed_job_reports_service_and_provider_errors():
    failed = job(
        "Failed",
        tasks=_tasks("Failed"),
        errors=[
            {
                "serviceErrorDetails": {
                    "code": "70094",
                    "message": "Failover failed",
                    "recommendedAction": "Retry",
                }
            },
            {"providerErrorDetails": {"errorCode": 31, "errorMessage": "Host busy"}},
        ],
    )
    snap = job_snapshot(failed, NOW)
    assert snap["errors"] == [
        {"code": "70094", "message": "Failover failed", "recommendedAction": "Retry"},
        {"code": "31", "message": "Host busy", "recommendedAction": None},
    ]
    assert snap["currentTask"] is None and snap["dataSyncInProgress"] is False


def test_succeeded_job_is_complete():
    snap = job_snapshot(job("Succeeded", tasks=[task("A", "Succeeded")], endTime="2026-01-10T11:30:00Z"), NOW)
    assert (snap["percent"], snap["etaSeconds"], snap["endTime"]) == (100.0, 0, "2026-01-10T11:30:00Z")


def test_poll_interval_adapts_short_near_the_end_longer_during_transfers():
    near_end = next_poll_seconds({"state": "InProgress", "etaSeconds": 8})
    transfer = next_poll_seconds({"state": "InProgress", "etaSeconds": None, "dataSyncInProgress": True})
    long_eta = next_poll_seconds({"state": "InProgress", "etaSeconds": 7200})
    assert near_end == MIN_POLL_SECONDS
    assert transfer == 60
    assert long_eta == MAX_POLL_SECONDS
    assert next_poll_seconds({"state": "Suspended"}) == MAX_POLL_SECONDS
    assert next_poll_seconds({"state": "InProgress"}) == 15


@given(
    state=st.sampled_from(["NotStarted", "InProgress", "Suspended", "Succeeded", "Failed", None, "Other"]),
    eta=st.one_of(
        st.none(),
        st.integers(min_value=-10, max_value=10**9),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    syncing=st.booleans(),
)
def test_poll_interval_is_always_bounded(state, eta, syncing):
    seconds = next_poll_seconds({"state": state, "etaSeconds": eta, "dataSyncInProgress": syncing})
    assert MIN_POLL_SECONDS <= seconds <= MAX_POLL_SECONDS


def test_progress_block_for_custom_status():
    snap = job_snapshot(job(tasks=_tasks()), NOW)
    assert progress_of(snap) == {
        "task": "Synchronize data (Azure to on-premises)",
        "percent": 25.0,
        "etaSeconds": snap["etaSeconds"],
    }
    assert progress_of({"currentTask": None, "percent": None}) is None
