"""Reference §4.2-4.4: the public /runtime/webhooks/durabletask routes with plain HTTP (W3, W4).

What a Logic App, an approval page or curl sees, without the Python client.
"""

import json
from datetime import timedelta

import pytest

CHECK_STATUS_KEYS = {
    "id",
    "statusQueryGetUri",
    "sendEventPostUri",
    "terminatePostUri",
    "purgeHistoryDeleteUri",
    "restartPostUri",
    "suspendPostUri",
    "resumePostUri",
}


@pytest.fixture
def chaining(run_app):
    return run_app("chaining")


@pytest.fixture
def events(run_app):
    return run_app("events")


def _start(app, name: str, body=None, instance_id: str | None = None, **params):
    path = f"orchestrators/{name}" + (f"/{instance_id}" if instance_id else "")
    return app.http.post(app.webhook_url(path), json=body, params=params, timeout=60)


def test_start_route_answers_202_check_status_with_host_built_links(chaining):
    response = _start(chaining, "echo_input", {"k": 1}, "hook-1")
    assert response.status_code == 202
    assert response.headers["Location"] == response.json()["statusQueryGetUri"]
    assert "Retry-After" in response.headers
    body = response.json()
    assert set(body) >= CHECK_STATUS_KEYS
    assert body["id"] == "hook-1"
    assert body["statusQueryGetUri"].startswith(chaining.webhook_url("instances/hook-1"))


def test_raw_json_body_is_stored_as_json_not_as_a_string(chaining):
    """§3.1: unlike start_new, a raw object body reaches get_input() as that object."""
    _start(chaining, "echo_input", {"k": 1}, "hook-2")
    assert chaining.drive_until_status("hook-2") == "Completed"
    body = chaining.status_response("hook-2").json()
    assert body["input"] == {"k": 1}
    assert body["output"] == {"input": {"k": 1}, "type": "dict"}


def test_start_and_wait_returns_200_with_the_output(chaining):
    response = _start(chaining, "seq", None, None, timeout=20, pollingInterval=1)
    assert response.status_code == 200
    assert response.json() == ["Hello Tokyo", "Hello Seattle"]


def test_start_and_wait_times_out_into_the_202_check_status_response(events):
    response = _start(events, "wait_go", None, "hook-wait", timeout=1, pollingInterval=1)
    assert response.status_code == 202
    assert response.json()["id"] == "hook-wait"


def test_start_unknown_orchestrator_is_400_with_an_error_body(events):
    response = events.http.post(f"{json.loads(events.binding)['rpcBaseUrl']}orchestrators/nope", timeout=30)
    assert response.status_code == 400
    assert "nope" in response.json()["ExceptionMessage"]


def test_suspend_resume_and_terminate_routes(events):
    _start(events, "wait_go", None, "hook-3")
    events.settle()
    assert events.http.post(events.webhook_url("instances/hook-3/suspend"), timeout=30).status_code == 202
    events.settle()
    assert events.runtime_status("hook-3") == "Suspended"
    assert events.http.post(events.webhook_url("instances/hook-3/resume"), timeout=30).status_code == 202
    events.settle()
    assert events.runtime_status("hook-3") == "Running"
    terminate = events.http.post(
        events.webhook_url("instances/hook-3/terminate"), params={"reason": '{"by": "ops"}'}, timeout=30
    )
    assert terminate.status_code == 202
    events.settle()
    body = events.status_response("hook-3").json()
    assert body["runtimeStatus"] == "Terminated"
    assert body["output"] == {"by": "ops"}  # a reason that is valid JSON shows as JSON


def test_rewind_route_recovers_a_failed_instance(run_app):
    app = run_app("failures")
    instance_id = app.start("rewindable")
    assert app.drive_until_status(instance_id) == "Failed"
    response = app.http.post(
        app.webhook_url(f"instances/{instance_id}/rewind"), params={"reason": "r"}, timeout=30
    )
    assert response.status_code == 202
    assert app.drive_until_status(instance_id) == "Completed"


def test_rewind_of_a_completed_instance_is_410(chaining):
    instance_id = chaining.start("seq")
    chaining.drive_until_status(instance_id)
    response = chaining.http.post(chaining.webhook_url(f"instances/{instance_id}/rewind"), timeout=30)
    assert response.status_code == 410


def test_restart_in_place_reuses_the_instance_id(events):
    _start(events, "wait_go", {"n": 1}, "hook-4")
    events.settle()
    events.raise_event_http("hook-4", "go", "first")
    events.drive_until_status("hook-4")
    response = events.http.post(
        events.webhook_url("instances/hook-4/restart"),
        params={"restartWithNewInstanceId": "false"},
        timeout=30,
    )
    assert response.status_code == 202
    assert response.json()["id"] == "hook-4"
    events.settle()
    assert events.runtime_status("hook-4") == "Running"


def test_invalid_json_event_body_is_400(events):
    _start(events, "wait_go", None, "hook-5")
    events.settle()
    response = events.http.post(
        events.webhook_url("instances/hook-5/raiseEvent/go"),
        data="{not json",
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert events.runtime_status("hook-5") == "Running"


def test_list_pages_with_top_and_continuation_token(events):
    for i in range(5):
        _start(events, "wait_go", None, f"page-{i}")
    events.settle()
    first = events.http.get(events.webhook_url("instances"), params={"top": 2}, timeout=30)
    assert first.status_code == 200
    assert len(first.json()) == 2
    token = first.headers["x-ms-continuation-token"]
    seen = {i["instanceId"] for i in first.json()}
    while token:
        page = events.http.get(
            events.webhook_url("instances"),
            params={"top": 2},
            headers={"x-ms-continuation-token": token},
            timeout=30,
        )
        seen |= {i["instanceId"] for i in page.json()}
        token = page.headers.get("x-ms-continuation-token")
    assert seen == {f"page-{i}" for i in range(5)}


def test_purge_by_filter_needs_created_time_from_and_404s_when_nothing_matches(events):
    missing = events.http.delete(events.webhook_url("instances"), timeout=30)
    assert missing.status_code == 400
    none = events.http.delete(
        events.webhook_url("instances"), params={"createdTimeFrom": "2030-01-01T00:00:00Z"}, timeout=30
    )
    assert none.status_code == 404


def test_purge_by_id_works_on_a_running_instance(events):
    _start(events, "wait_go", None, "hook-6")
    events.settle()
    response = events.http.delete(events.webhook_url("instances/hook-6"), timeout=30)
    assert response.status_code == 200
    assert response.json() == {"instancesDeleted": 1}
    assert events.runtime_status("hook-6") is None


def test_failed_instance_history_ends_with_a_failed_execution_completed(run_app):
    app = run_app("failures")
    instance_id = app.start("boom")
    app.drive_until_status(instance_id)
    last = app.history(instance_id)[-1]
    assert last["EventType"] == "ExecutionCompleted"
    assert last["OrchestrationStatus"] == "Failed"


def test_entity_routes_signal_and_read_state(run_app):
    """§4.3: POST entities/{name}/{key}?op= signals; GET returns the state or 404."""
    app = run_app("entities")
    # Python entities json.loads then df_loads their input: send a JSON string, as the SDK does.
    signal = app.http.post(
        app.webhook_url("entities/counter/web"), params={"op": "add"}, json=json.dumps(4), timeout=30
    )
    assert signal.status_code == 202
    app.drive_until(
        lambda: app.http.get(app.webhook_url("entities/counter/web"), timeout=30).status_code == 200
    )
    assert app.http.get(app.webhook_url("entities/counter/web"), timeout=30).json() == 4
    assert app.http.get(app.webhook_url("entities/counter/nobody"), timeout=30).status_code == 404


def test_entity_query_route_lists_entities_of_a_name(run_app):
    """GET /runtime/webhooks/durabletask/entities/{name} lists that entity's instances."""
    app = run_app("entities")
    signal = app.http.post(
        app.webhook_url("entities/counter/listed"), params={"op": "add"}, json=json.dumps(1), timeout=30
    )
    assert signal.status_code == 202
    app.drive_until(
        lambda: app.http.get(app.webhook_url("entities/counter/listed"), timeout=30).status_code == 200
    )
    listing = app.http.get(app.webhook_url("entities/counter"), timeout=30)
    assert listing.status_code == 200
    assert any(e["entityId"] == {"name": "counter", "key": "listed"} for e in listing.json())


def test_terminate_a_suspended_instance(events):
    _start(events, "wait_go", None, "hook-7")
    events.settle()
    assert events.http.post(events.webhook_url("instances/hook-7/suspend"), timeout=30).status_code == 202
    events.settle()
    terminate = events.http.post(
        events.webhook_url("instances/hook-7/terminate"), params={"reason": "x"}, timeout=30
    )
    assert terminate.status_code == 202
    events.settle()
    assert events.runtime_status("hook-7") == "Terminated"


def test_list_filters_by_several_statuses_and_created_time(events, virtual_clock):
    _start(events, "wait_go", None, "filter-old")
    events.settle()
    events.raise_event_http("filter-old", "go", 1)
    events.drive_until_status("filter-old")
    virtual_clock.advance(timedelta(days=1))
    _start(events, "wait_go", None, "filter-new")
    events.settle()
    both = events.http.get(
        events.webhook_url("instances"), params={"runtimeStatus": "Running,Completed"}, timeout=30
    ).json()
    assert {i["instanceId"] for i in both} == {"filter-old", "filter-new"}
    recent = events.http.get(
        events.webhook_url("instances"), params={"createdTimeFrom": "2026-01-01T12:00:00Z"}, timeout=30
    ).json()
    assert [i["instanceId"] for i in recent] == ["filter-new"]


def test_raise_event_with_a_non_json_content_type_is_400(events):
    _start(events, "wait_go", None, "hook-8")
    events.settle()
    response = events.http.post(
        events.webhook_url("instances/hook-8/raiseEvent/go"),
        data="plain",
        headers={"Content-Type": "text/plain"},
        timeout=30,
    )
    assert response.status_code == 400
    assert "application/json" in response.json()["Message"]
    assert events.runtime_status("hook-8") == "Running"
