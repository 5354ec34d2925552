"""Less common SDK features third-party apps use: entities, call_http, custom classes,
deterministic ids and time, async activities, @function_name, odd HTTP handlers (W5)."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import azure.durable_functions as df

from tests.devhost.conformance.timeutil import parse_time


def test_new_uuid_is_stable_across_replays(run_app):
    """new_uuid() hashes current_utc_datetime: the host must replay the same episode timestamps."""
    app = run_app("extras")
    instance_id = app.start("uuids")
    assert app.drive_until_status(instance_id) == "Completed"
    output = app.status_response(instance_id).json()["output"]
    assert output["first"] == output["echoed"]
    assert len({output["first"], output["second"], output["again"]}) == 3
    for value in output.values():
        uuid.UUID(value)


def test_current_utc_datetime_is_the_virtual_episode_time(run_app, virtual_clock):
    app = run_app("extras")
    created = virtual_clock.now()
    instance_id = app.start("clock_reads")
    assert app.drive_until_status(instance_id) == "Completed"
    output = app.status_response(instance_id).json()["output"]
    assert output["started"] == output["echoed"]
    started = parse_time(output["started"])
    assert started == created
    assert parse_time(output["after"]) - started >= timedelta(hours=2)


def test_call_http_performs_one_request_and_returns_the_response_dict(run_app):
    app = run_app("extras")
    instance_id = app.start("http_call", f"{app.base_url}/api/plain/from/orchestrator")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == {
        "statusCode": 200,
        "content": "rest=from/orchestrator",
    }


def test_none_result_async_activity_and_function_name_override(run_app):
    app = run_app("extras")
    instance_id = app.start("odd_activities")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == {
        "nothing": None,
        "waited": 6,
        "renamed": "renamed x",
    }


def test_orchestrator_named_by_function_name_decorator(run_app):
    app = run_app("extras")
    instance_id = app.start("renamed_orchestrator")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == "named"


def test_task_any_over_two_events_returns_the_first_raised(run_app):
    app = run_app("extras")
    instance_id = app.start("first_of_many")
    app.settle()
    app.raise_event_http(instance_id, "B", "bee")
    app.raise_event_http(instance_id, "A", "ay")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == {
        "all": ["0", "1", "2", "3", "4"],
        "event": "bee",
    }


def test_catch_all_route_string_return_and_binary_response(run_app):
    app = run_app("extras")
    assert app.http.get(f"{app.base_url}/api/plain/a/b/c", timeout=30).text == "rest=a/b/c"
    text = app.http.get(f"{app.base_url}/api/text-return", timeout=30)
    assert (text.status_code, text.text) == (200, "a plain string")
    binary = app.http.get(f"{app.base_url}/api/multi", timeout=30)
    assert binary.status_code == 201
    assert binary.content == b"\x00\x01binary"
    assert (binary.headers["X-One"], binary.headers["X-Two"]) == ("1", "2")


def test_routes_match_case_insensitively(run_app):
    app = run_app("extras")
    assert app.http.get(f"{app.base_url}/api/TEXT-RETURN", timeout=30).status_code == 200


def test_http_trigger_waiting_for_completion_returns_the_output(run_app):
    """wait_for_completion_or_create_check_status_response inside an HTTP trigger."""
    app = run_app("extras")
    response = app.http.post(f"{app.base_url}/api/wait/renamed_orchestrator", timeout=60)
    assert response.status_code == 200
    assert response.text == "named"


def test_app_with_a_timer_trigger_still_serves_http_and_durable_functions(run_app):
    app = run_app("mixed_triggers")
    assert app.http.get(f"{app.base_url}/api/ping", timeout=30).text == "pong"
    instance_id = app.start("hello_orchestrator")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == "hello mixed"


def test_entity_signal_and_calls_from_an_orchestrator(run_app):
    app = run_app("entities")
    instance_id = app.start("count_up", "k1")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == [5, 15]
    state = app.run(app.client.read_entity_state(df.EntityId("counter", "k1")))
    assert state.entity_exists
    assert state.entity_state == 15


def test_entity_signal_from_the_client_and_unknown_entity_state(run_app):
    app = run_app("entities")
    entity = df.EntityId("counter", "k2")
    app.run(app.client.signal_entity(entity, "add", 7))
    app.drive_until(lambda: app.run(app.client.read_entity_state(entity)).entity_exists)
    assert app.run(app.client.read_entity_state(entity)).entity_state == 7
    assert not app.run(app.client.read_entity_state(df.EntityId("counter", "never"))).entity_exists


def test_entity_operation_failure_reaches_the_caller(run_app):
    app = run_app("entities")
    instance_id = app.start("entity_error")
    assert app.drive_until_status(instance_id) == "Completed"
    output = app.status_response(instance_id).json()["output"]
    assert output.startswith("caught:")
    assert re.search("entity operation failed", output)


def test_two_apps_in_one_process_keep_their_own_functions(run_app):
    """Two hosts side by side (both entry files are function_app.py) do not mix their modules."""
    first = run_app("chaining")
    second = run_app("mixed_triggers")
    a = first.start("seq")
    b = second.start("hello_orchestrator")
    assert first.drive_until_status(a) == "Completed"
    assert second.drive_until_status(b) == "Completed"
    assert first.status_response(a).json()["output"] == ["Hello Tokyo", "Hello Seattle"]
    assert second.status_response(b).json()["output"] == "hello mixed"
    assert first.status_response(b).status_code == 404


def test_custom_class_round_trips_through_an_activity(run_app):
    app = run_app("extras")
    instance_id = app.start("points")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == {"x": 11, "y": 22, "type": "Point"}


def test_custom_class_resolves_in_its_own_app_when_two_apps_share_a_process(run_app):
    """Loose-mode df_loads finds classes via sys.modules[__module__] (fixed D2).

    Both apps' entry files are function_app.py; after the second host loads, the first
    app's Point envelope ({"__module__": "function_app"}) resolves against the wrong module.
    A real worker hosts one app per process, so Azure never shows this.
    """
    extras = run_app("extras")
    run_app("chaining")
    instance_id = extras.start("points")
    assert extras.drive_until_status(instance_id) == "Completed"
    assert extras.status_response(instance_id).json()["output"] == {"x": 11, "y": 22, "type": "Point"}


def test_twin_apps_with_the_same_module_names_keep_their_own_code(run_app):
    """Two apps in one process, both with function_app.py and helpers.py."""
    one = run_app("twin_one")
    two = run_app("twin_two")
    assert one.http.get(f"{one.base_url}/api/who", timeout=30).text == "twin one"
    assert two.http.get(f"{two.base_url}/api/who", timeout=30).text == "twin two"
    first = one.start("who_orchestrator")
    second = two.start("who_orchestrator")
    assert one.drive_until_status(first) == "Completed"
    assert two.drive_until_status(second) == "Completed"
    assert one.status_response(first).json()["output"] == ["twin one", "twin one"]
    assert two.status_response(second).json()["output"] == ["twin two", "twin two"]


def test_entity_name_override_is_found_case_insensitively(run_app):
    """entity_trigger(entity_name='Tally'); the scheduler id lower-cases the name ('@tally@k')."""
    app = run_app("entities")
    instance_id = app.start("tally_up")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == 2
    state = app.run(app.client.read_entity_state(df.EntityId("Tally", "k")))
    assert state.entity_state == ["first", "second"]


def test_timer_trigger_runs_on_its_schedule_in_virtual_time(run_app, virtual_clock):
    """NCRONTAB '0 0 3 * * *' fires when the host clock reaches 03:00 (drive() jumps to durable timers)."""
    app = run_app("mixed_triggers")
    virtual_clock.advance_to(datetime(2026, 1, 1, 2, 59, tzinfo=UTC))
    app.settle()
    assert app.lines("nightly.txt") == []
    virtual_clock.advance_to(datetime(2026, 1, 1, 3, tzinfo=UTC))
    app.drive_until(lambda: len(app.lines("nightly.txt")) == 1)
    assert app.lines("nightly.txt") == ["past_due=False"]


def test_admin_endpoint_runs_a_non_http_function_with_the_master_key(run_app):
    """Core Tools / host admin API: POST /admin/functions/{name} (master key only) answers 202."""
    app = run_app("mixed_triggers")
    url = f"{app.base_url}/admin/functions/nightly"
    assert app.http.post(url, json={"input": ""}, timeout=30).status_code == 401
    headers = {"x-functions-key": app.host.function_key}
    assert app.http.post(url, json={"input": ""}, headers=headers, timeout=30).status_code == 401
    headers = {"x-functions-key": app.host.master_key}
    assert app.http.post(url, json={"input": ""}, headers=headers, timeout=30).status_code == 202
    app.drive_until(lambda: len(app.lines("nightly.txt")) == 1)


def test_orchestration_versions_reach_context_version(run_app):
    """start_new(version=) and call_sub_orchestrator(version=) land in ExecutionStarted.Version."""
    app = run_app("extras")
    instance_id = app.run(app.client.start_new("which_version", None, None, "2.0"))
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == {"own": "2.0", "child": "3.0"}
