"""Reference §7.1-7.2 and issue 2: chaining, fan-out/fan-in, concurrency limits, virtual time (W5).

Driven through the unmodified ``DurableOrchestrationClient`` and the public HTTP API of
an in-process ``DevHost`` on a ``VirtualClock``.
"""

import json
from datetime import timedelta

import pytest

from tests.devhost.conformance.harness import history_types
from tests.devhost.conformance.timeutil import parse_time


def test_chaining_runs_three_episodes_and_reports_a_json_array(run_app):
    """§7.1: three orchestrator invocations, 200 Completed, output array, input shown as a string."""
    app = run_app("chaining")
    instance_id = app.start("seq", {"k": 1})
    assert app.drive_until_status(instance_id) == "Completed"

    response = app.status_response(instance_id)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "seq"
    assert body["instanceId"] == instance_id
    assert body["output"] == ["Hello Tokyo", "Hello Seattle"]
    assert body["input"] == '{"k": 1}'  # the Python client double-encodes its input
    assert app.lines("seq-invocations.txt") == [instance_id] * 3


def test_chaining_public_history_merges_scheduling_into_completions(run_app):
    """§4.4: OrchestratorStarted/Completed hidden, TaskScheduled merged into TaskCompleted."""
    app = run_app("chaining")
    instance_id = app.start("seq", {"k": 1})
    app.drive_until_status(instance_id)

    events = app.history(instance_id)
    assert history_types(events) == [
        "ExecutionStarted",
        "TaskCompleted",
        "TaskCompleted",
        "ExecutionCompleted",
    ]
    started, first, second, completed = events
    assert started["FunctionName"] == "seq"
    assert [first["FunctionName"], second["FunctionName"]] == ["hello", "hello"]
    assert [first["Result"], second["Result"]] == ["Hello Tokyo", "Hello Seattle"]
    assert "ScheduledTime" in first
    assert completed["OrchestrationStatus"] == "Completed"
    assert not {"OrchestrationInstance", "ParentInstance", "Version", "Tags"} & set(started)
    for event in events:
        assert "EventId" not in event
        assert "IsPlayed" not in event
        parse_time(event["Timestamp"])


def test_history_results_only_with_show_history_output(run_app):
    app = run_app("chaining")
    instance_id = app.start("seq", None)
    app.drive_until_status(instance_id)
    events = app.history(instance_id, output=False)
    assert not any("Result" in e for e in events if e["EventType"] == "TaskCompleted")
    hidden = app.status_response(instance_id, showHistory=True, showInput=False).json()["historyEvents"]
    assert not any("Input" in e for e in hidden)


def test_replay_flag_is_true_before_the_last_yield_and_false_after(run_app):
    """§7.1: is_replaying follows IsPlayed and the last OrchestratorStarted."""
    app = run_app("chaining")
    instance_id = app.start("seq_flags")
    app.drive_until_status(instance_id)
    assert app.status_response(instance_id).json()["output"] == [True, True, False]


def test_input_round_trips_through_start_new(run_app):
    app = run_app("chaining")
    instance_id = app.start("echo_input", {"nested": [1, "two", None]})
    app.drive_until_status(instance_id)
    assert app.status_response(instance_id).json()["output"] == {
        "input": {"nested": [1, "two", None]},
        "type": "dict",
    }


@pytest.mark.parametrize("value", [0, False, "", [], {}, "text", 1.5, [1, "a"]])
def test_falsy_and_scalar_inputs_round_trip_and_show_as_json_text(run_app, value):
    """§3.1: start_new double-encodes every input (only None sends no body); get_input() gets it back."""
    app = run_app("chaining")
    instance_id = app.start("echo_input", value)
    assert app.drive_until_status(instance_id) == "Completed"
    body = app.status_response(instance_id).json()
    assert body["input"] == json.dumps(value)
    assert body["output"] == {"input": value, "type": type(value).__name__}


def test_fan_in_keeps_yield_order_when_completions_arrive_out_of_order(run_app):
    """§7.2: completions c, a, b still give ['a', 'b', 'c']; completion after the last one."""
    app = run_app("fanout")
    instance_id = app.start("fan")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == ["a", "b", "c"]

    events = app.history(instance_id)
    completions = [(e["TaskScheduledId"], e["Result"]) for e in events if e["EventType"] == "TaskCompleted"]
    assert completions == [(2, "c"), (0, "a"), (1, "b")]
    assert history_types(events)[-1] == "ExecutionCompleted"


def test_task_any_loser_activity_keeps_the_instance_open_until_it_finishes(run_app):
    """§2.6: isDone with an outstanding activity is not completion; the loser still runs."""
    app = run_app("fanout")
    instance_id = app.start("fan_first")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == "fast"
    types = history_types(app.history(instance_id))
    assert types.count("TaskCompleted") == 2
    assert types[-1] == "ExecutionCompleted"


def _peak_overlap(spans: list[dict]) -> int:
    edges = sorted(
        [(s["start"], 1) for s in spans] + [(s["end"], -1) for s in spans], key=lambda e: (e[0], e[1])
    )
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


@pytest.mark.parametrize("orchestrator", ["burst", "burst_async"])
def test_max_concurrent_activity_functions_caps_parallel_activities(run_app, orchestrator):
    """host.json maxConcurrentActivityFunctions=2: six parallel activities (sync or async), two at once."""
    app = run_app("concurrency")
    instance_id = app.start(orchestrator, 6)
    assert app.drive_until_status(instance_id) == "Completed"
    spans = app.status_response(instance_id).json()["output"]
    assert sorted(s["index"] for s in spans) == list(range(6))
    assert _peak_overlap(spans) == 2


def test_max_concurrent_orchestrator_functions_caps_parallel_episodes(run_app):
    """host.json maxConcurrentOrchestratorFunctions=2: six blocking orchestrators, at most two at once."""
    app = run_app("concurrency")
    ids = [app.start("slow_orchestration") for _ in range(6)]
    app.drive_until(lambda: all(app.runtime_status(i) == "Completed" for i in ids))
    spans = [
        dict(zip(("start", "end"), map(float, line.split()), strict=True))
        for line in app.lines("orchestrator-spans.txt")
    ]
    assert len(spans) == 6
    assert 1 <= _peak_overlap(spans) <= 2


def test_episodes_of_one_instance_never_overlap(run_app):
    """Reference §1.7: one episode at a time per instance, even with events arriving in a burst."""
    app = run_app("concurrency")
    instance_id = app.start("serial_episodes")
    for tick in range(4):
        assert app.raise_event_http(instance_id, "tick", tick).status_code == 202
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == [0, 1, 2, 3]
    spans = [
        dict(zip(("start", "end"), map(float, line.split()), strict=True))
        for line in app.lines("episode-spans.txt")
    ]
    assert len(spans) >= 2
    assert _peak_overlap(spans) == 1


def test_day_long_timer_completes_in_virtual_time(run_app, virtual_clock):
    """A 24-hour durable timer fires when the host jumps the virtual clock (W2 approval timeouts)."""
    app = run_app("chaining")
    started_at = virtual_clock.now()
    instance_id = app.start("day_long_wait")
    app.settle()
    assert app.runtime_status(instance_id) == "Running"
    assert virtual_clock.now() == started_at  # time stands still without drive()

    assert app.drive_until_status(instance_id) == "Completed"
    output = app.status_response(instance_id).json()["output"]
    waited = parse_time(output["resumed"]) - parse_time(output["started"])
    assert timedelta(hours=24) <= waited < timedelta(hours=24, minutes=1)
    assert virtual_clock.now() - started_at >= timedelta(hours=24)
