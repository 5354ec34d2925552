"""Reference §7.3 / §3.4: retry timeline of call_activity_with_retry on the host (W5, V4).

The workflow relies on retries with durable timers (V4: wait for the agent to register),
so the history must look as Azure records it: attempt, failure, timer, ... and a final
timer that fires at once before the last failure reaches user code.
"""

from datetime import timedelta

from tests.devhost.conformance.harness import history_types
from tests.devhost.conformance.timeutil import parse_time


def test_always_failing_activity_retries_three_times_then_surfaces_the_last_failure(run_app):
    app = run_app("retries")
    instance_id = app.start("retry_always")
    assert app.drive_until_status(instance_id) == "Completed"

    message = app.status_response(instance_id).json()["output"]
    assert message.startswith("Activity function 'always_fail' failed:")
    assert "RuntimeError: attempt 3 failed" in message
    assert "attempt 2 failed" not in message
    assert " \n " in message  # "{Reason} \n {Details}", as the SDK formats a TaskFailed
    assert len(app.lines(f"attempts-always-{instance_id}.txt")) == 3


def test_retry_history_has_a_timer_after_every_failed_attempt(run_app):
    app = run_app("retries")
    instance_id = app.start("retry_always")
    app.drive_until_status(instance_id)

    events = app.history(instance_id)
    types = history_types(events)
    assert types.count("TaskFailed") == 3
    assert types.count("TimerCreated") == 3
    assert types.count("TimerFired") == 3
    # Each TaskFailed is followed (in the same episode) by its retry timer.
    failed_then_timer = [
        (events[i], events[i + 1]) for i, t in enumerate(types) if t == "TaskFailed" and i + 1 < len(types)
    ]
    assert [pair[1]["EventType"] for pair in failed_then_timer] == ["TimerCreated"] * 3
    delays = [parse_time(t["FireAt"]) - parse_time(f["Timestamp"]) for f, t in failed_then_timer]
    assert all(timedelta(seconds=1) <= d < timedelta(seconds=2) for d in delays[:2]), delays
    assert delays[2] < timedelta(seconds=1), "the timer after the last attempt fires at once"
    assert all("TimerId" not in e for e in events if e["EventType"] == "TimerFired")
    # DTFx numbering: attempt, timer, attempt, timer, attempt, final timer = ids 0-5.
    assert [e["TaskScheduledId"] for e in events if e["EventType"] == "TaskFailed"] == [0, 2, 4]


def test_second_attempt_success_returns_its_value_without_further_timers(run_app):
    app = run_app("retries")
    instance_id = app.start("retry_second")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == "ok on attempt 2"
    types = history_types(app.history(instance_id))
    assert (types.count("TaskFailed"), types.count("TimerCreated"), types.count("TaskCompleted")) == (1, 1, 1)
