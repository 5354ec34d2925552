"""Reference §7.4-7.6 / §3.2: external events, timer races and early events (W2 approval gate)."""

from datetime import timedelta

import pytest


def _send_event_uri(app, instance_id: str, name: str) -> str:
    payload = app.client.create_http_management_payload(instance_id)
    return payload["sendEventPostUri"].replace("{eventName}", name)


def test_event_posted_to_send_event_uri_wins_the_race_and_cancelled_timer_does_not_block(
    run_app, virtual_clock
):
    """§7.4: raw JSON body reaches the orchestrator as a dict; completion is immediate."""
    app = run_app("events")
    start = virtual_clock.now()
    instance_id = app.start("race_cancel")
    app.settle()
    response = app.http.post(_send_event_uri(app, instance_id, "Approval"), json={"ok": True}, timeout=30)
    assert response.status_code == 202
    app.settle()

    status = app.status_response(instance_id)
    assert status.status_code == 200
    assert status.json()["runtimeStatus"] == "Completed"
    assert status.json()["output"] == {"approved": {"ok": True}}
    assert virtual_clock.now() - start < timedelta(hours=1)


def test_client_raise_event_delivers_the_double_encoded_string(run_app):
    """§3.1 / issue #295: client.raise_event(d) hands json.dumps(d) to user code."""
    app = run_app("events")
    instance_id = app.start("race_cancel")
    app.settle()
    app.run(app.client.raise_event(instance_id, "Approval", {"ok": True}))
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == {"approved": '{"ok": true}'}


def test_event_names_are_case_sensitive_so_the_timer_wins(run_app, virtual_clock):
    app = run_app("events")
    start = virtual_clock.now()
    instance_id = app.start("race_cancel")
    app.settle()
    assert app.raise_event_http(instance_id, "approval", {"ok": True}).status_code == 202
    app.settle()
    assert app.runtime_status(instance_id) == "Running"
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == "timeout"
    assert virtual_clock.now() - start >= timedelta(hours=1)


def test_uncancelled_timer_keeps_the_instance_running_until_it_fires(run_app, virtual_clock):
    """§7.5: the orchestrator is done but DTFx waits for the open timer."""
    app = run_app("events")
    start = virtual_clock.now()
    instance_id = app.start("race_nocancel")
    app.settle()
    app.raise_event_http(instance_id, "Approval", {"ok": True})
    app.settle()
    running = app.status_response(instance_id)
    assert running.status_code == 202
    assert running.json()["runtimeStatus"] == "Running"

    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == {"approved": {"ok": True}}
    assert virtual_clock.now() - start >= timedelta(hours=1)


def test_early_event_satisfies_the_sdk_but_the_instance_waits_for_a_second_event(run_app):
    """§7.6: SDK bug #507 fidelity — one early 'x' gives ['x', 'x'] only once a second E arrives."""
    app = run_app("events")
    instance_id = app.start("early")
    assert app.raise_event_http(instance_id, "E", "x").status_code == 202  # activity still sleeping
    app.drive_until(
        lambda: any(e["EventType"] == "TaskCompleted" for e in app.history(instance_id)),
    )
    app.settle()
    assert app.runtime_status(instance_id) == "Running"

    app.raise_event_http(instance_id, "E", "y")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == ["x", "x"]


def test_events_raised_in_a_burst_are_consumed_in_order(run_app):
    app = run_app("events")
    instance_id = app.start("collect")
    for item in (1, 2, 3):
        assert app.raise_event_http(instance_id, "Item", item).status_code == 202
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == [1, 2, 3]


def test_raise_event_to_unknown_instance_is_404_and_to_finished_instance_is_410(run_app):
    app = run_app("events")
    assert app.raise_event_http("no-such-instance", "go", 1).status_code == 404
    instance_id = app.start("wait_go")
    app.settle()
    app.raise_event_http(instance_id, "go", 1)
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.raise_event_http(instance_id, "go", 2).status_code == 410


def test_expiry_timer_reused_across_task_any_rounds(run_app, virtual_clock):
    """Human-interaction pattern: a wrong answer, then the right one, before the timer."""
    app = run_app("events")
    start = virtual_clock.now()
    instance_id = app.start("challenge")
    app.settle()
    app.raise_event_http(instance_id, "Answer", 1)
    app.settle()
    assert app.runtime_status(instance_id) == "Running"
    app.raise_event_http(instance_id, "Answer", 1234)
    app.settle()
    assert app.status_response(instance_id).json()["output"] == "verified on attempt 2"
    assert virtual_clock.now() - start < timedelta(seconds=90)


def test_expiry_timer_wins_when_nobody_answers(run_app, virtual_clock):
    app = run_app("events")
    start = virtual_clock.now()
    instance_id = app.start("challenge")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == "expired"
    assert virtual_clock.now() - start >= timedelta(seconds=90)


def test_monitor_loop_polls_on_hourly_timers(run_app):
    app = run_app("events")
    instance_id = app.start("monitor")
    assert app.drive_until_status(instance_id) == "Completed"
    output = app.status_response(instance_id).json()["output"]
    assert output == {"polls": 4, "at": "2026-01-01T03:00:00+00:00"}


@pytest.mark.parametrize(("data", "received"), [(None, "null"), ("yes", '"yes"'), (7, "7"), ([1], "[1]")])
def test_client_raise_event_payloads_arrive_as_json_text(run_app, data, received):
    """§3.1 / issue #295: whatever client.raise_event sends, user code receives json.dumps(data)."""
    app = run_app("events")
    instance_id = app.start("wait_go")
    app.settle()
    app.run(app.client.raise_event(instance_id, "go", data))
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"]["go"] == received
