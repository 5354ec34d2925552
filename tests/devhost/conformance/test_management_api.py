"""Reference §7.10 / §4: the Durable management API through the client and plain HTTP (W3, W5).

Logic Apps and the approval pages depend on these exact codes and headers: 202 +
Location + Retry-After while running, 200 when done, 404 unknown, 410 finished.
"""

import json
from datetime import UTC, datetime, timedelta

import azure.durable_functions as df
import azure.functions as func
import pytest


def _rpc(app) -> str:
    return json.loads(app.binding)["rpcBaseUrl"]


def _waiting(app, name: str = "wait_go", input_=None, instance_id=None) -> str:
    instance_id = app.start(name, input_, instance_id)
    app.settle()
    return instance_id


def _finish(app, instance_id: str, payload="done") -> None:
    app.raise_event_http(instance_id, "go", payload)
    assert app.drive_until_status(instance_id) == "Completed"


def test_binding_has_what_the_sdk_needs(run_app):
    """§4.1: taskHubName, creation and management URLs, rpcBaseUrl ending with '/'."""
    app = run_app("events")
    binding = json.loads(app.binding)
    assert binding["taskHubName"] == "ConformanceHub"
    assert {"createNewInstancePostUri", "createAndWaitOnNewInstancePostUri"} <= set(binding["creationUrls"])
    assert binding["managementUrls"]["id"] == "INSTANCEID"
    assert binding["rpcBaseUrl"].endswith("/")
    assert binding["baseUrl"].endswith("/runtime/webhooks/durabletask")


def test_rpc_start_is_202_with_the_instance_id(run_app):
    app = run_app("events")
    response = app.http.post(
        f"{_rpc(app)}orchestrators/wait_go/rpc-start-1", json=json.dumps({"a": 1}), timeout=30
    )
    assert response.status_code == 202
    assert response.json()["id"] == "rpc-start-1"
    app.settle()
    assert app.status_response("rpc-start-1").json()["input"] == '{"a": 1}'


def test_start_new_of_unknown_orchestrator_raises(run_app):
    app = run_app("events")
    with pytest.raises(Exception):  # noqa: B017 - the SDK raises a bare Exception with the host's message
        app.start("no_such_orchestrator")


def test_status_codes_and_headers_follow_the_instance_lifecycle(run_app):
    app = run_app("events")
    unknown = app.status_response("does-not-exist")
    assert unknown.status_code == 404
    assert unknown.content == b""
    assert not app.run(app.client.get_status("does-not-exist"))

    instance_id = _waiting(app)
    running = app.status_response(instance_id)
    assert running.status_code == 202
    assert running.headers["Location"] == running.url
    assert running.headers["Retry-After"] == "5"
    assert running.json()["runtimeStatus"] == "Running"

    _finish(app, instance_id)
    done = app.status_response(instance_id)
    assert done.status_code == 200
    assert "Location" not in done.headers
    assert done.json()["output"] == {"input": None, "go": "done"}


def test_status_times_are_whole_seconds_in_virtual_time(run_app, virtual_clock):
    app = run_app("events")
    instance_id = _waiting(app)
    virtual_clock.advance(timedelta(minutes=5))
    _finish(app, instance_id)
    body = app.status_response(instance_id).json()
    assert body["createdTime"] == "2026-01-01T00:00:00Z"
    assert body["lastUpdatedTime"] == "2026-01-01T00:05:00Z"


def test_show_input_false_hides_input(run_app):
    app = run_app("events")
    instance_id = _waiting(app, input_={"secret-free": True})
    assert app.status_response(instance_id).json()["input"] == '{"secret-free": true}'
    assert app.status_response(instance_id, showInput=False).json().get("input") is None


def test_terminate_running_then_410_when_finished(run_app):
    app = run_app("events")
    instance_id = _waiting(app)
    app.run(app.client.terminate(instance_id, "operator stop"))
    app.settle()
    body = app.status_response(instance_id).json()
    assert body["runtimeStatus"] == "Terminated"
    assert body["output"] == "operator stop"
    again = app.http.post(
        app.webhook_url(f"instances/{instance_id}/terminate"), params={"reason": "x"}, timeout=30
    )
    assert again.status_code == 410
    app.run(app.client.terminate(instance_id, "again"))  # the SDK accepts 410 silently


def test_terminate_unknown_instance_is_404(run_app):
    app = run_app("events")
    response = app.http.post(app.webhook_url("instances/nope/terminate"), params={"reason": "x"}, timeout=30)
    assert response.status_code == 404


def test_suspend_queues_events_until_resume(run_app):
    """§7.10: Suspended answers 202 with Location and Retry-After: 5; queued events apply after resume."""
    app = run_app("events")
    instance_id = _waiting(app)
    app.run(app.client.suspend(instance_id, "maintenance"))
    app.settle()
    suspended = app.status_response(instance_id)
    assert suspended.status_code == 202
    assert suspended.json()["runtimeStatus"] == "Suspended"
    assert suspended.headers["Retry-After"] == "5"

    assert app.raise_event_http(instance_id, "go", "while suspended").status_code == 202
    app.settle()
    assert app.runtime_status(instance_id) == "Suspended"

    app.run(app.client.resume(instance_id, "back"))
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"]["go"] == "while suspended"


def test_suspended_timer_does_not_advance_the_instance(run_app):
    app = run_app("events")
    instance_id = _waiting(app, "ticking")
    app.run(app.client.suspend(instance_id, "hold"))
    app.settle()
    from devhost.testing import Stuck

    with pytest.raises((Stuck, TimeoutError)):
        app.drive_until(lambda: app.runtime_status(instance_id) == "Completed", max_virtual=timedelta(days=1))
    assert app.runtime_status(instance_id) == "Suspended"
    app.run(app.client.resume(instance_id, "go on"))
    assert app.drive_until_status(instance_id) == "Completed"


def test_purge_deletes_instance_and_history(run_app):
    app = run_app("events")
    instance_id = _waiting(app)
    _finish(app, instance_id)
    result = app.run(app.client.purge_instance_history(instance_id))
    assert result.instances_deleted == 1
    assert app.status_response(instance_id).status_code == 404
    again = app.http.delete(app.webhook_url(f"instances/{instance_id}"), timeout=30)
    assert again.status_code == 404


def test_purge_by_filter_removes_only_terminal_instances(run_app):
    app = run_app("events")
    done = _waiting(app)
    _finish(app, done)
    running = _waiting(app)
    result = app.run(
        app.client.purge_instance_history_by(
            created_time_from=datetime(2025, 1, 1, tzinfo=UTC),
            runtime_status=[df.OrchestrationRuntimeStatus.Completed, df.OrchestrationRuntimeStatus.Running],
        )
    )
    assert result.instances_deleted == 1
    assert app.runtime_status(done) is None
    assert app.runtime_status(running) == "Running"


def test_queries_by_status_time_and_prefix(run_app, virtual_clock):
    app = run_app("events")
    early_a = _waiting(app, instance_id="q-a-1")
    virtual_clock.advance(timedelta(hours=2))
    _waiting(app, instance_id="q-a-2")
    _waiting(app, instance_id="q-b-1")
    _finish(app, early_a)

    def ids(**kwargs) -> set[str]:
        return {s.instance_id for s in app.run(app.client.get_status_by(**kwargs))}

    assert ids(runtime_status=[df.OrchestrationRuntimeStatus.Running]) == {"q-a-2", "q-b-1"}
    assert ids(runtime_status=[df.OrchestrationRuntimeStatus.Completed]) == {"q-a-1"}
    assert ids(instance_id_prefix="q-a-") == {"q-a-1", "q-a-2"}
    assert ids(created_time_from=datetime(2026, 1, 1, 1, tzinfo=UTC)) == {"q-a-2", "q-b-1"}
    assert ids(created_time_to=datetime(2026, 1, 1, 1, tzinfo=UTC)) == {"q-a-1"}
    assert {s.instance_id for s in app.run(app.client.get_status_all())} == {"q-a-1", "q-a-2", "q-b-1"}

    listed = app.http.get(
        app.webhook_url("instances"),
        params={"runtimeStatus": "Running", "instanceIdPrefix": "q-b"},
        timeout=30,
    )
    assert listed.status_code == 200
    assert [i["instanceId"] for i in listed.json()] == ["q-b-1"]


def test_start_with_id_of_running_instance_is_rejected_but_finished_id_is_reused(run_app):
    """§3.10: NonRunningStates — a running id cannot be started twice; a completed one restarts."""
    app = run_app("events")
    instance_id = _waiting(app, instance_id="fixed-id")
    with pytest.raises(Exception):  # noqa: B017 - the SDK raises a bare Exception
        app.start("wait_go", None, "fixed-id")
    _finish(app, instance_id, "first")
    app.start("wait_go", {"second": True}, "fixed-id")
    app.settle()
    assert app.status_response("fixed-id").json()["runtimeStatus"] == "Running"
    _finish(app, "fixed-id", "second")
    assert app.status_response("fixed-id").json()["output"] == {"input": {"second": True}, "go": "second"}


def test_restart_starts_a_new_instance_with_the_same_input(run_app):
    app = run_app("events")
    instance_id = _waiting(app, input_={"n": 7})
    _finish(app, instance_id)
    payload = app.run(app.client.restart(instance_id))
    new_id = payload["id"] if isinstance(payload, dict) else payload
    assert new_id != instance_id
    app.settle()
    _finish(app, new_id, "again")
    assert app.status_response(new_id).json()["output"] == {"input": {"n": 7}, "go": "again"}


def test_rewind_reruns_only_the_failed_activity(run_app):
    """§3.10: successful results are reused, the failed call is re-run, the instance completes."""
    app = run_app("failures")
    instance_id = app.start("rewindable")
    assert app.drive_until_status(instance_id) == "Failed"
    app.run(app.client.rewind(instance_id, "fixed the cause"))
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == ["fine one", "recovered"]
    assert len(app.lines("count-fine-one.txt")) == 1
    assert len(app.lines(f"count-rewind-{instance_id}.txt")) == 2


def test_rewind_of_running_instance_is_refused(run_app):
    app = run_app("events")
    instance_id = _waiting(app)
    with pytest.raises(Exception):  # noqa: B017 - the SDK raises a bare Exception
        app.run(app.client.rewind(instance_id, "not failed"))


def test_wait_for_completion_or_check_status_returns_output_or_202(run_app):
    """§4.3: SDK-side polling helper: 200 with the output, or the 202 check-status response."""
    app = run_app("events")
    instance_id = _waiting(app)
    request = df_request(app, "/api/anything")
    pending = app.run(
        app.client.wait_for_completion_or_create_check_status_response(request, instance_id, 200, 100)
    )
    assert pending.status_code == 202
    _finish(app, instance_id)
    done = app.run(
        app.client.wait_for_completion_or_create_check_status_response(request, instance_id, 200, 100)
    )
    assert done.status_code == 200
    assert json.loads(done.get_body()) == {"input": None, "go": "done"}


def df_request(app, path: str) -> func.HttpRequest:
    """An HttpRequest as a trigger would receive it, addressed to the host."""
    return func.HttpRequest(method="POST", url=f"{app.base_url}{path}", body=b"", headers={})


def test_check_status_payload_urls_point_at_the_host(run_app):
    app = run_app("events")
    payload = app.client.create_http_management_payload("abc")
    assert payload["id"] == "abc"
    for key in ("statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri"):
        assert payload[key].startswith(f"{app.base_url}/runtime/webhooks/durabletask/instances/abc")


def test_client_get_status_with_history_exposes_history_events(run_app):
    """§4.4: the SDK keeps the server's 'historyEvents' as an attribute; 'history' stays None."""
    app = run_app("chaining")
    instance_id = app.start("seq")
    app.drive_until_status(instance_id)
    status = app.run(app.client.get_status(instance_id, show_history=True, show_history_output=True))
    assert status.runtime_status == df.OrchestrationRuntimeStatus.Completed
    assert status.output == ["Hello Tokyo", "Hello Seattle"]
    assert [e["EventType"] for e in status.historyEvents] == [
        "ExecutionStarted",
        "TaskCompleted",
        "TaskCompleted",
        "ExecutionCompleted",
    ]


def test_activity_finishing_while_suspended_is_applied_after_resume(run_app):
    """§3.10: while Suspended nothing advances; the queued completion applies on resume."""
    app = run_app("events")
    instance_id = app.start("early")  # first step: a one-second activity
    app.run(app.client.suspend(instance_id, "hold"))
    app.settle()  # the activity finishes meanwhile
    assert app.runtime_status(instance_id) == "Suspended"
    assert "TaskCompleted" not in [e["EventType"] for e in app.history(instance_id)]
    app.run(app.client.resume(instance_id, "go on"))
    app.drive_until(lambda: "TaskCompleted" in [e["EventType"] for e in app.history(instance_id)])
    assert app.runtime_status(instance_id) == "Running"


def test_terminated_instance_ignores_the_result_of_a_running_activity(run_app):
    """§3.10: outstanding activities keep running; their results are discarded."""
    app = run_app("events")
    instance_id = app.start("early")
    app.run(app.client.terminate(instance_id, "abort"))
    app.settle()
    body = app.status_response(instance_id, showHistory=True).json()
    assert (body["runtimeStatus"], body["output"]) == ("Terminated", "abort")
    assert "TaskCompleted" not in [e["EventType"] for e in body["historyEvents"]]
    assert app.raise_event_http(instance_id, "E", "late").status_code == 410


def test_suspend_of_a_finished_instance_is_410(run_app):
    app = run_app("chaining")
    instance_id = app.start("seq")
    app.drive_until_status(instance_id)
    response = app.http.post(app.webhook_url(f"instances/{instance_id}/suspend"), timeout=30)
    assert response.status_code == 410
    app.run(app.client.suspend(instance_id, "too late"))  # the SDK accepts 410 silently


def test_any_state_lets_a_start_replace_a_running_instance(run_app):
    """§6 overridableExistingInstanceStates=AnyState: the second start wins, with its own input."""
    app = run_app("any_state")
    app.start("wait_go", {"run": 1}, "same-id")
    app.settle()
    app.start("wait_go", {"run": 2}, "same-id")
    app.settle()
    app.raise_event_http("same-id", "go", "now")
    assert app.drive_until_status("same-id") == "Completed"
    assert app.status_response("same-id").json()["output"] == {"input": {"run": 2}, "go": "now"}
