"""Reference §7.9 / §3.7-3.9 / §2.5: failure messages, custom status and non-determinism (W5).

Operators read these messages in the status API, so they must be the real host's.
"""


def test_orchestrator_exception_fails_the_instance_with_the_host_message(run_app):
    app = run_app("failures")
    instance_id = app.start("boom")
    assert app.drive_until_status(instance_id) == "Failed"

    response = app.status_response(instance_id)
    assert response.status_code == 200
    assert response.json()["output"] == "Orchestrator function 'boom' failed: kaboom"
    strict = app.status_response(instance_id, returnInternalServerErrorOnFailure=True)
    assert strict.status_code == 500
    assert strict.json()["runtimeStatus"] == "Failed"


def test_activity_exception_reaches_the_orchestrator_as_the_host_formats_it(run_app):
    app = run_app("failures")
    instance_id = app.start("catch_flaky")
    assert app.drive_until_status(instance_id) == "Completed"
    message = app.status_response(instance_id).json()["output"]
    assert message.startswith("Activity function 'flaky' failed:")
    assert "RuntimeError: nope" in message


def test_unhandled_activity_failure_fails_the_orchestration_with_both_prefixes(run_app):
    app = run_app("failures")
    instance_id = app.start("uncaught_flaky")
    assert app.drive_until_status(instance_id) == "Failed"
    output = app.status_response(instance_id).json()["output"]
    assert output.startswith(
        "Orchestrator function 'uncaught_flaky' failed: Activity function 'flaky' failed:"
    )


def test_unknown_activity_fails_with_the_does_not_exist_message(run_app):
    app = run_app("failures")
    instance_id = app.start("unknown_activity")
    assert app.drive_until_status(instance_id) == "Failed"
    output = app.status_response(instance_id).json()["output"]
    assert output.startswith("Orchestrator function 'unknown_activity' failed:")
    assert (
        "The function 'no_such_activity' doesn't exist, is disabled, or is not an activity function."
        in output
    )
    assert "The following are the known activity functions:" in output
    assert "'flaky'" in output


def test_oversized_custom_status_fails_the_orchestration(run_app):
    """§3.7: 9000 characters of custom status exceed the 16 KB UTF-16 limit."""
    app = run_app("failures")
    instance_id = app.start("big_status")
    assert app.drive_until_status(instance_id) == "Failed"
    output = app.status_response(instance_id).json()["output"]
    assert output.startswith("Orchestrator function 'big_status' failed:")
    assert "The UTF-16 size of the JSON-serialized payload must not exceed 16 KB." in output


def test_custom_status_is_visible_while_running_and_updated_each_episode(run_app):
    """H5: progress is visible the whole time through customStatus."""
    app = run_app("failures")
    instance_id = app.start("status_steps")
    app.settle()
    assert app.status_response(instance_id).json()["customStatus"] == {"step": 1, "label": "waiting for next"}
    status = app.run(app.client.get_status(instance_id))
    assert status.custom_status == {"step": 1, "label": "waiting for next"}

    app.raise_event_http(instance_id, "next", None)
    app.settle()
    assert app.status_response(instance_id).json()["customStatus"]["step"] == 2
    app.raise_event_http(instance_id, "next", None)
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["customStatus"]["step"] == 3


def _start_nondeterministic(app, monkeypatch, flip_to: str) -> str:
    monkeypatch.setenv("ND_BRANCH", "a")
    instance_id = app.start("nd")
    app.drive_until(lambda: any(e["EventType"] == "TaskCompleted" for e in app.history(instance_id)))
    app.settle()
    monkeypatch.setenv("ND_BRANCH", flip_to)
    app.raise_event_http(instance_id, "go", "now")
    app.drive_until_status(instance_id)
    return instance_id


def test_changed_activity_name_between_episodes_is_detected_as_non_determinism(run_app, monkeypatch):
    """§2.5: a replay that schedules step_b where history has step_a fails the instance."""
    app = run_app("nondeterminism")
    instance_id = _start_nondeterministic(app, monkeypatch, "b")
    body = app.status_response(instance_id).json()
    assert body["runtimeStatus"] == "Failed"
    assert "Non-Deterministic workflow detected" in body["output"]


def test_activity_replaced_by_timer_is_detected_as_non_determinism(run_app, monkeypatch):
    app = run_app("nondeterminism")
    instance_id = _start_nondeterministic(app, monkeypatch, "timer")
    body = app.status_response(instance_id).json()
    assert body["runtimeStatus"] == "Failed"
    assert "Non-Deterministic workflow detected" in body["output"]


def test_activity_name_case_change_is_not_non_determinism(run_app, monkeypatch):
    """§2.5: DTFx compares names case-insensitively, and lookups are case-insensitive too."""
    app = run_app("nondeterminism")
    instance_id = _start_nondeterministic(app, monkeypatch, "A")
    body = app.status_response(instance_id).json()
    assert body["runtimeStatus"] == "Completed"
    assert body["output"] == ["a:first", "now", "b:second"]


def test_disabled_activity_fails_like_an_unknown_one(run_app):
    app = run_app("chaining", **{"AzureWebJobs.hello.Disabled": "true"})
    instance_id = app.start("seq")
    assert app.drive_until_status(instance_id) == "Failed"
    output = app.status_response(instance_id).json()["output"]
    assert "The function 'hello' doesn't exist, is disabled, or is not an activity function." in output
