"""Log Analytics answers through the real LogsQueryClient: Heartbeat, ASRJobs, user checks (H6)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from azure.core.exceptions import HttpResponseError
from azure.monitor.query import LogsBatchQuery, LogsQueryPartialResult, LogsQueryStatus

from tests.simulator.conftest import WEB01, WORKSPACE, Sim


def _failed_back_web01(sim: Sim) -> None:
    poller = sim.failback(WEB01, "ForSynchronization")
    sim.advance(7200)
    poller.result()


def test_heartbeats_come_once_a_minute_from_a_running_onprem_vm(sim: Sim) -> None:
    since = sim.clock.now()
    assert sim.heartbeats("web01", since.isoformat()) == []  # still in Azure, on-prem VM off
    _failed_back_web01(sim)
    rows = sim.heartbeats("web01", since.isoformat())
    assert rows
    times = [row["TimeGenerated"] for row in rows]
    assert all(b - a == timedelta(minutes=1) for a, b in itertools.pairwise(times))
    assert rows[-1]["Computer"] == "web01"
    assert rows[-1]["ComputerEnvironment"] == "Non-Azure"
    assert times[-1] <= sim.clock.now()


def test_heartbeat_summaries_and_relative_windows(sim: Sim) -> None:
    _failed_back_web01(sim)
    latest = sim.logs.query_workspace(
        WORKSPACE,
        "Heartbeat | where Computer =~ 'web01' and TimeGenerated > ago(15m) "
        "| summarize arg_max(TimeGenerated, *) by Computer",
        timespan=timedelta(hours=1),
    )
    assert latest.status == LogsQueryStatus.SUCCESS
    assert len(latest.tables[0].rows) == 1
    assert sim.clock.now() - latest.tables[0].rows[0]["TimeGenerated"] < timedelta(minutes=1)
    counted = sim.logs.query_workspace(
        WORKSPACE,
        'Heartbeat | where Computer == "web01" and TimeGenerated > ago(10m) | summarize count()',
        timespan=None,
    )
    assert counted.tables[0].rows[0]["count_"] == 10
    last = sim.logs.query_workspace(
        WORKSPACE,
        "Heartbeat | where Computer =~ 'web01' | summarize Last = max(TimeGenerated) by Computer",
        timespan=timedelta(minutes=5),
    )
    assert last.tables[0].columns == ["Computer", "Last"]


def test_no_heartbeats_from_an_off_or_corrupt_vm(sim: Sim) -> None:
    _failed_back_web01(sim)
    now = sim.clock.now()
    sim.control.vm("web01", onprem="corrupt")
    sim.advance(600)
    assert sim.heartbeats("web01", now.isoformat()) == []


def test_asr_jobs_lists_completed_jobs(sim: Sim) -> None:
    _failed_back_web01(sim)
    result = sim.logs.query_workspace(
        WORKSPACE, "ASRJobs | where ReplicatedItemFriendlyName == 'web01'", timespan=timedelta(days=1)
    )
    rows = result.tables[0].rows
    assert [(r["OperationName"], r["Status"]) for r in rows] == [("Planned failover", "Succeeded")]


def test_registered_user_check_answers_a_table(sim: Sim) -> None:
    query = "AppHealth_CL | where Computer == 'web01' | summarize Healthy = countif(Status == 'OK')"
    sim.control.logs(query=query, table={"columns": [{"name": "Healthy", "type": "long"}], "rows": [[3]]})
    result = sim.logs.query_workspace(WORKSPACE, query, timespan=timedelta(hours=1))
    assert result.tables[0].rows[0]["Healthy"] == 3


def test_registered_partial_result(sim: Sim) -> None:
    sim.control.logs(
        query="Perf_CL",
        match="contains",
        table={"columns": [{"name": "Value", "type": "real"}], "rows": [[0.5]]},
        partial_error={"code": "QueryExecutionTimeout", "message": "Part of the data was not scanned"},
    )
    result = sim.logs.query_workspace(WORKSPACE, "Perf_CL | take 1", timespan=None)
    assert isinstance(result, LogsQueryPartialResult)
    assert result.partial_data[0].rows[0]["Value"] == 0.5
    assert result.partial_error.code == "PartialError"


def test_registered_failure_and_unknown_queries_fail(sim: Sim) -> None:
    sim.control.logs(
        query="^Broken",
        match="regex",
        failure={"status": 400, "code": "SyntaxError", "message": "Syntax error near 'x'"},
    )
    with pytest.raises(HttpResponseError) as caught:
        sim.logs.query_workspace(WORKSPACE, "Broken | x", timespan=None)
    assert caught.value.status_code == 400
    assert "Syntax error" in str(caught.value)
    with pytest.raises(HttpResponseError) as unknown:
        sim.logs.query_workspace(WORKSPACE, "SomethingElse | take 1", timespan=None)
    assert unknown.value.status_code == 400


def test_unknown_workspace_is_not_found(sim: Sim) -> None:
    with pytest.raises(HttpResponseError) as caught:
        sim.logs.query_workspace("99999999-0000-0000-0000-000000000000", "Heartbeat", timespan=None)
    assert caught.value.status_code == 404


def test_batch_answers_each_query_by_id(sim: Sim) -> None:
    _failed_back_web01(sim)
    results = sim.logs.query_batch(
        [
            LogsBatchQuery(
                WORKSPACE, "Heartbeat | where Computer =~ 'web01' | count", timespan=timedelta(minutes=5)
            ),
            LogsBatchQuery(
                WORKSPACE, "Heartbeat | where Computer =~ 'app01' | count", timespan=timedelta(minutes=5)
            ),
        ]
    )
    assert [r.tables[0].rows[0]["Count"] for r in results] == [5, 0]


def test_heartbeat_window_given_as_start_and_duration_or_end(sim: Sim) -> None:
    since = sim.clock.now()
    _failed_back_web01(sim)
    query = "Heartbeat | where Computer =~ 'web01' | summarize LastHeartbeat = max(TimeGenerated) by Computer"
    for span in ((since, timedelta(days=1)), (since, sim.clock.now() + timedelta(hours=1))):
        result = sim.logs.query_workspace(WORKSPACE, query, timespan=span)
        rows = result.tables[0].rows
        assert len(rows) == 1
        assert sim.clock.now() - rows[0]["LastHeartbeat"] < timedelta(minutes=1)
    before = sim.logs.query_workspace(WORKSPACE, query, timespan=(since - timedelta(days=1), since))
    assert before.tables[0].rows == []  # no heartbeat before the failback
