"""Edge cases third-party apps hit: long timers, events across continue-as-new, failure texts,
func.Context, app settings, route constraints and an empty routePrefix (W5)."""

import json
import uuid
from datetime import timedelta

from tests.devhost.conformance.harness import history_types
from tests.devhost.conformance.test_webhook_api import _start
from tests.devhost.conformance.timeutil import parse_time


def test_ten_day_timer_is_split_into_azure_storage_chunks(run_app, virtual_clock):
    """§2.3 V3: maximumShortTimerDuration 6 days, interval 3 days ⇒ timers at day 3, 6 and 10."""
    app = run_app("extras")
    start = virtual_clock.now()
    instance_id = app.start("ten_day_timer")
    assert app.drive_until_status(instance_id) == "Completed"
    output = app.status_response(instance_id).json()["output"]
    assert parse_time(output["resumed"]) - parse_time(output["started"]) >= timedelta(days=10)
    fired = [
        parse_time(e["FireAt"]) - start for e in app.history(instance_id) if e["EventType"] == "TimerFired"
    ]
    assert fired == [timedelta(days=3), timedelta(days=6), timedelta(days=10)]


def test_events_raised_in_a_burst_survive_continue_as_new(run_app):
    """§3.6: events processed after ContinueAsNew in an episode are carried to the next generation."""
    app = run_app("extras")
    instance_id = app.start("accumulate", 0)
    app.settle()
    for value in (1, 2, 3):
        assert app.raise_event_http(instance_id, "add", value).status_code == 202
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == 6


def test_events_raised_one_by_one_reach_each_generation(run_app):
    app = run_app("extras")
    instance_id = app.start("accumulate", 0)
    for value in (1, 2, 3):
        app.settle()
        app.raise_event_http(instance_id, "add", value)
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == 6


def test_orchestrator_without_yields_completes_in_one_episode(run_app):
    app = run_app("extras")
    instance_id = app.start("no_yields", "me")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == "no yields for me"


def test_exception_without_message_reports_its_type(run_app):
    """The SDK sends str(type(exc)) when str(exc) is empty."""
    app = run_app("extras")
    instance_id = app.start("empty_error")
    assert app.drive_until_status(instance_id) == "Failed"
    output = app.status_response(instance_id).json()["output"]
    assert output == "Orchestrator function 'empty_error' failed: <class 'ValueError'>"


def test_unserializable_orchestrator_output_fails_the_instance(run_app):
    app = run_app("extras")
    instance_id = app.start("unserializable_output")
    assert app.drive_until_status(instance_id) == "Failed"
    output = app.status_response(instance_id).json()["output"]
    assert output.startswith("Orchestrator function 'unserializable_output' failed:")
    assert "is not JSON serializable" in output


def test_unserializable_activity_result_is_an_activity_failure(run_app):
    app = run_app("extras")
    instance_id = app.start("unserializable_activity")
    assert app.drive_until_status(instance_id) == "Completed"
    assert (
        app.status_response(instance_id)
        .json()["output"]
        .startswith("Activity function 'returns_a_set' failed:")
    )


def test_activity_receives_func_context(run_app):
    app = run_app("extras")
    instance_id = app.start("activity_context")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == {
        "function": "with_context",
        "hasInvocationId": True,
        "payload": "x",
    }


def test_empty_route_prefix_settings_hub_name_and_context_in_client_function(run_app):
    app = run_app("no_prefix")
    assert json.loads(app.binding)["taskHubName"] == "PrefixlessHub"
    guid = str(uuid.uuid4())
    response = app.http.get(f"{app.base_url}/hello/{guid}", timeout=30)
    assert response.text == f"hello from local.settings {guid}"
    assert app.http.get(f"{app.base_url}/hello/not-a-guid", timeout=30).status_code == 404
    assert app.http.get(f"{app.base_url}/api/hello/{guid}", timeout=30).status_code == 404

    started = app.http.post(f"{app.base_url}/start", timeout=30)
    assert started.status_code == 202
    uuid.UUID(started.headers["X-Invocation"])
    instance_id = started.json()["id"]
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == "hello from local.settings"


def test_local_settings_values_do_not_override_settings_given_to_the_host(run_app):
    """Values from the process (here DevHost env) win over local.settings.json, as in func start."""
    app = run_app("no_prefix", GREETING="from the environment")
    instance_id = app.start("settings_orchestrator")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == "from the environment"
    assert history_types(app.history(instance_id))[-1] == "ExecutionCompleted"


def test_compound_route_constraint_min_is_enforced(run_app):
    """ASP.NET route constraints chain: {n:int:min(5)} rejects 3 with 404."""
    app = run_app("no_prefix")
    assert app.http.get(f"{app.base_url}/range/7", timeout=30).text == "7"
    assert app.http.get(f"{app.base_url}/range/3", timeout=30).status_code == 404


def test_array_body_on_the_public_start_route_breaks_get_input_as_in_production(run_app):
    """§3.1: a JSON array reaches the SDK as a list, and get_input() raises TypeError on Azure too."""
    app = run_app("chaining")
    _start(app, "echo_input", [1, 2], "array-input")
    assert app.drive_until_status("array-input") == "Failed"
    output = app.status_response("array-input").json()["output"]
    assert output.startswith("Orchestrator function 'echo_input' failed:")
    assert "must be str, bytes or bytearray" in output


def test_instance_ids_with_spaces_and_non_ascii_characters(run_app):
    app = run_app("chaining")
    for instance_id in ("run 1", "フェイルバック-1"):
        assert app.start("seq", None, instance_id) == instance_id
        assert app.drive_until_status(instance_id) == "Completed"
        status = app.run(app.client.get_status(instance_id))
        assert status.instance_id == instance_id
    assert {s.instance_id for s in app.run(app.client.get_status_all())} == {"run 1", "フェイルバック-1"}


def test_large_activity_result_round_trips(run_app):
    app = run_app("extras")
    instance_id = app.start("big_payload", 300_000)
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == {"length": 300_000, "head": "abc"}


def test_durable_task_scheduler_app_gets_one_ten_day_timer(run_app, virtual_clock):
    """Only Azure Storage sends maximumShortTimerDuration; with azureManaged the SDK does not split."""
    app = run_app("dts_provider")
    start = virtual_clock.now()
    instance_id = app.start("ten_days")
    assert app.drive_until_status(instance_id) == "Completed"
    fired = [
        parse_time(e["FireAt"]) - start for e in app.history(instance_id) if e["EventType"] == "TimerFired"
    ]
    assert fired == [timedelta(days=10)]


def test_function_timeout_from_host_json_fails_a_long_activity(run_app):
    """host.json functionTimeout 00:00:01 ⇒ a three-second activity fails with the timeout text."""
    app = run_app("timeouts")
    instance_id = app.start("too_slow")
    assert app.drive_until_status(instance_id) == "Completed"
    output = app.status_response(instance_id).json()["output"]
    assert output.startswith("failed: ")
    assert "Timeout value of 00:00:01 was exceeded by function" in output


def test_naive_timer_datetime_fails_as_on_azure(run_app):
    """§1.2: episode timestamps carry 'Z', so a naive fire time cannot be compared (as in production)."""
    app = run_app("extras")
    instance_id = app.start("naive_timer")
    assert app.drive_until_status(instance_id) == "Failed"
    assert app.status_response(instance_id).json()["output"] == (
        "Orchestrator function 'naive_timer' failed: can't compare offset-naive and offset-aware datetimes"
    )


def test_event_names_with_spaces_and_non_ascii_characters(run_app):
    app = run_app("extras")
    instance_id = app.start("event_names")
    app.settle()
    assert app.raise_event_http(instance_id, "Approval Decision", 1).status_code == 202
    assert app.raise_event_http(instance_id, "承認", 2).status_code == 202
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == [1, 2]
