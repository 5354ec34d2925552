"""Reference §7.7-7.8 / §3.5-3.6: sub-orchestrations and continue-as-new (W1 approval_gate child)."""

import re
from datetime import timedelta

from tests.devhost.conformance.harness import history_types


def _instances_named(app, name: str) -> list:
    return [s for s in app.run(app.client.get_status_all()) if s.name == name]


def test_sub_orchestration_gets_generated_id_parent_id_and_input(run_app):
    """§7.7: no id ⇒ '{parentExecutionId}:{sequence}'; explicit ids are used as is."""
    app = run_app("suborch")
    parent_id = app.start("parent_ok")
    assert app.drive_until_status(parent_id) == "Completed"
    output = app.status_response(parent_id).json()["output"]

    child = output["child"]
    assert re.fullmatch(r"[0-9a-f]{32}:0", child["id"]), child["id"]
    assert child["parent"] == parent_id
    assert child["input"] == "x"
    assert child["greeting"] == "X!"
    assert output["named"]["id"] == f"{parent_id}-named"
    assert output["named"]["input"] == "y"
    child_status = app.status_response(child["id"])
    assert child_status.status_code == 200
    assert child_status.json()["runtimeStatus"] == "Completed"
    assert history_types(app.history(parent_id)).count("SubOrchestrationInstanceCompleted") == 2


def test_failing_child_fails_with_the_orchestrator_message_seen_by_the_parent(run_app):
    app = run_app("suborch")
    parent_id = app.start("parent_fail")
    assert app.drive_until_status(parent_id) == "Completed"
    message = app.status_response(parent_id).json()["output"]
    assert message.startswith("Orchestrator function 'kid' failed: boom")

    (kid,) = _instances_named(app, "kid")
    assert kid.runtime_status.value == "Failed"
    assert kid.output.startswith("Orchestrator function 'kid' failed: boom")
    assert "SubOrchestrationInstanceFailed" in history_types(app.history(parent_id))


def test_sub_orchestration_retry_creates_a_new_child_per_attempt(run_app):
    app = run_app("suborch")
    parent_id = app.start("parent_retry")
    assert app.drive_until_status(parent_id) == "Completed"
    assert app.status_response(parent_id).json()["output"] == "kid ok on attempt 2"
    assert len(app.lines(f"bump-{parent_id}.txt")) == 2
    attempts = _instances_named(app, "flaky_kid")
    assert sorted(s.runtime_status.value for s in attempts) == ["Completed", "Failed"]
    assert len({s.instance_id for s in attempts}) == 2


def test_continue_as_new_counter_keeps_one_id_and_resets_history(run_app, virtual_clock):
    """§7.8: generations 0, 1, 2 under one id; final output 2; history of the last generation only."""
    app = run_app("continue_as_new")
    start = virtual_clock.now()
    instance_id = app.start("counter", 0)
    assert app.drive_until_status(instance_id) == "Completed"

    body = app.status_response(instance_id).json()
    assert body["output"] == 2
    assert app.lines("generations.txt") == [f"{instance_id} 0", f"{instance_id} 1", f"{instance_id} 2"]
    types = history_types(app.history(instance_id))
    assert types.count("ExecutionStarted") == 1
    assert types.count("TimerFired") == 1
    assert types[-1] == "ExecutionCompleted"
    assert virtual_clock.now() - start >= timedelta(minutes=3)
    assert [s.instance_id for s in app.run(app.client.get_status_all())] == [instance_id]


def test_event_raised_on_an_explicit_child_id_reaches_the_gate(run_app):
    """contracts §7: the approval gate runs as '<runId>:gate:<gate>' and gets its event there."""
    app = run_app("suborch")
    parent_id = app.start("parent_with_gate")
    gate_id = f"{parent_id}:gate:approve"
    app.drive_until(lambda: app.runtime_status(gate_id) == "Running")
    app.run(app.client.raise_event(gate_id, "ApprovalDecision", {"decision": "approved"}))
    assert app.drive_until_status(parent_id) == "Completed"
    output = app.status_response(parent_id).json()["output"]
    assert output == {"gate": gate_id, "decision": '{"decision": "approved"}'}


def test_terminating_the_parent_leaves_the_child_running(run_app):
    """§3.5: terminate does not cascade to sub-orchestrations."""
    app = run_app("suborch")
    parent_id = app.start("parent_with_gate")
    gate_id = f"{parent_id}:gate:approve"
    app.drive_until(lambda: app.runtime_status(gate_id) == "Running")
    app.run(app.client.terminate(parent_id, "stop"))
    app.settle()
    assert app.runtime_status(parent_id) == "Terminated"
    assert app.runtime_status(gate_id) == "Running"


def test_rewind_of_a_parent_rewinds_its_failed_child(run_app):
    """§3.10: failed child sub-orchestrations are rewound recursively."""
    app = run_app("suborch")
    parent_id = app.start("parent_rewind")
    assert app.drive_until_status(parent_id) == "Failed"
    assert app.runtime_status(f"{parent_id}-c") == "Failed"
    app.run(app.client.rewind(parent_id, "retry the child"))
    assert app.drive_until_status(parent_id) == "Completed"
    assert app.status_response(parent_id).json()["output"] == "ok on call 2"
    assert app.runtime_status(f"{parent_id}-c") == "Completed"
