"""Pure pieces of the devhost: route templates, clocks, history view, batching (W5)."""

from datetime import UTC, datetime, timedelta

import pytest

from devhost import history as hist
from devhost.batching import select_batch
from devhost.clock import ScaledClock, VirtualClock
from devhost.history import EventType
from devhost.jsonfmt import dotnet_timestamp, parse_timestamp
from devhost.routing import compile_route
from devhost.status import transform_history

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_route_constraints_optional_and_catch_all_W5() -> None:
    route = compile_route("users/{id:int}/files/{*rest}")
    assert route.match("users/7/files/a/b.txt") == {"id": "7", "rest": "a/b.txt"}
    assert route.match("USERS/7/files") == {"id": "7"}
    assert route.match("users/x/files/a") is None
    optional = compile_route("start/{name}/{id?}")
    assert optional.match("start/chain") == {"name": "chain"}
    assert optional.match("start/chain/abc") == {"name": "chain", "id": "abc"}
    assert compile_route("items/{kind:alpha}").match("items/a1") is None
    assert compile_route("v/{flag:bool}").match("v/True") == {"flag": "True"}


def test_virtual_clock_only_moves_forward_when_told_W5() -> None:
    clock = VirtualClock(T0)
    assert clock.now() == T0
    clock.advance(timedelta(hours=2))
    clock.advance_to(T0)  # earlier: ignored
    assert clock.now() == T0 + timedelta(hours=2)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        VirtualClock(datetime(2026, 1, 1))


def test_scaled_clock_runs_faster_than_wall_time_W5() -> None:
    clock = ScaledClock(1000.0, start=T0)
    later = clock.now()
    assert later >= T0
    assert clock.real_seconds_until(T0 + timedelta(seconds=1000)) == pytest.approx(1.0, abs=0.1)


def test_dotnet_timestamps_round_trip_with_seven_digits_W5() -> None:
    when = datetime(2024, 1, 1, 0, 0, 5, 123456, tzinfo=UTC)
    text = dotnet_timestamp(when)
    assert text == "2024-01-01T00:00:05.1234560Z"
    assert parse_timestamp(text) == when
    assert parse_timestamp("2024-01-01T00:00:05.1234567Z") == when


def test_history_view_merges_scheduling_rows_and_names_types_W5() -> None:
    raw = [
        hist.orchestrator_started(T0),
        hist.execution_started(T0, name="seq", instance_id="i", execution_id="e", input_json='"x"'),
        hist.task_scheduled(T0, 0, "hello", '"Tokyo"'),
        hist.timer_created(T0, 1, T0),
        hist.orchestrator_completed(T0),
        hist.orchestrator_started(T0),
        hist.task_completed(T0, 0, '"Hello Tokyo"'),
        hist.timer_fired(T0, 1, dotnet_timestamp(T0)),
        hist.execution_completed(T0, 2, hist.RuntimeStatus.Completed, '"done"'),
        hist.orchestrator_completed(T0),
    ]
    view = transform_history(raw, show_input=True, show_output=True)
    assert [e["EventType"] for e in view] == [
        "ExecutionStarted", "TimerCreated", "TaskCompleted", "TimerFired", "ExecutionCompleted",
    ]  # fmt: skip
    assert view[0]["FunctionName"] == "seq"
    assert "OrchestrationInstance" not in view[0]
    assert view[2]["FunctionName"] == "hello"
    assert view[2]["Result"] == "Hello Tokyo"
    assert "TimerId" not in view[3]
    assert view[4]["OrchestrationStatus"] == "Completed"
    hidden = transform_history(raw, show_input=False, show_output=False)
    assert all("Input" not in e and "Result" not in e for e in hidden)


def _msg(mid: int, event: hist.Event) -> dict:
    return {"id": mid, "etype": event["EventType"], "event": event, "execution_id": None}


def test_batch_takes_terminate_first_and_one_event_at_a_time_W5() -> None:
    row = {"status": "Running", "state": {"leaves": [], "tasks": {}}}
    done = _msg(1, hist.task_completed(T0, 0, "1"))
    ev1, ev2 = _msg(2, hist.event_raised(T0, "E", "1")), _msg(3, hist.event_raised(T0, "E", "2"))
    assert [m["id"] for m in select_batch(row, [done, ev1, ev2])] == [1]
    assert [m["id"] for m in select_batch(row, [ev1, done, ev2])] == [2, 1]
    stop = _msg(4, hist.execution_terminated(T0, "why"))
    assert [m["id"] for m in select_batch(row, [done, ev1, stop])] == [4]
    suspended = {**row, "status": "Suspended"}
    resume = _msg(5, hist.execution_resumed(T0, None))
    assert [m["id"] for m in select_batch(suspended, [done, resume])] == [5]
    assert select_batch(suspended, [done]) == []
    assert EventType(ev1["etype"]) == EventType.EventRaised


def test_ncrontab_next_occurrences_W5() -> None:
    from devhost.ncrontab import Schedule

    every_five = Schedule("0 */5 * * * *")
    assert every_five.next_after(T0) == T0 + timedelta(minutes=5)
    weekdays_nine = Schedule("0 30 9 * * 1-5")
    # 2026-01-01 is a Thursday: next are Thu 09:30 then Fri 09:30, then Mon 09:30
    first = weekdays_nine.next_after(T0)
    assert first == datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    assert weekdays_nine.next_after(datetime(2026, 1, 2, 10, tzinfo=UTC)) == datetime(
        2026, 1, 5, 9, 30, tzinfo=UTC
    )
    assert Schedule("00:10:00").next_after(T0) == T0 + timedelta(minutes=10)
    # NCrontab ANDs day-of-month and day-of-week: Friday the 13th, not every Friday and every 13th
    assert Schedule("0 0 0 13 * 5").next_after(T0) == datetime(2026, 2, 13, tzinfo=UTC)
    with pytest.raises(ValueError):
        Schedule("* * *")


def test_route_constraint_chains_and_arguments_W5() -> None:
    assert compile_route("range/{n:int:min(5)}").match("range/3") is None
    assert compile_route("range/{n:int:min(5)}").match("range/7") == {"n": "7"}
    assert compile_route("r/{n:range(1,3)}").match("r/4") is None
    assert compile_route("s/{code:length(3)}").match("s/abc") == {"code": "abc"}
    assert compile_route("s/{code:length(3)}").match("s/abcd") is None
    assert compile_route(r"z/{zip:regex(^\d{{5}}$)}").match("z/12345") == {"zip": "12345"}
    assert compile_route(r"z/{zip:regex(^\d{{5}}$)}").match("z/1234") is None
    assert compile_route("p/{page:int=1}").match("p") == {"page": "1"}
    assert compile_route("g/{id:guid}").match("g/not-a-guid") is None


def test_host_json_provider_timer_durations_and_function_timeout_W5(tmp_path) -> None:
    import json

    from devhost.config import load_config

    (tmp_path / "host.json").write_text(
        json.dumps(
            {
                "version": "2.0",
                "functionTimeout": "00:02:30",
                "extensions": {"durableTask": {"storageProvider": {"type": "azureManaged"}}},
            }
        )
    )
    config = load_config(tmp_path)
    assert config.timer_durations == ("00:00:00", "00:00:00")
    assert config.function_timeout == 150
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "functionTimeout": "-1"}))
    default = load_config(tmp_path)
    assert default.timer_durations == ("6.00:00:00", "3.00:00:00")
    assert default.function_timeout is None
    assert default.route_prefix == "api"
    assert default.hub_name == "TestHubName"
