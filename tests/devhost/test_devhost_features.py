"""Durable features of the devhost through the unmodified client (W5: local host fidelity)."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import pytest

from devhost.clock import VirtualClock
from devhost.testing import DevHost

APP = Path(__file__).parent / "apps" / "features"
ENV = {"PYTHON_SCRIPT_FILE_NAME": "devhost_features_app.py"}
START = datetime(2026, 1, 1, tzinfo=UTC)
DONE = ("Completed", "Failed", "Terminated")


class Client:
    """The SDK client run on the host's loop, plus status helpers."""

    def __init__(self, host: DevHost) -> None:
        self.host = host
        self.sdk = df.DurableOrchestrationClient(host.client_binding())

    def start(self, name: str, value: Any = None) -> str:
        return self.host.call(self.sdk.start_new(name, None, value))

    def status(self, instance_id: str, **flags: bool) -> Any:
        return self.host.call(self.sdk.get_status(instance_id, **flags))

    def state(self, instance_id: str) -> str:
        return self.status(instance_id).runtime_status.name

    def run(self, name: str, value: Any = None) -> Any:
        instance_id = self.start(name, value)
        self.host.drive(lambda: self.state(instance_id) in DONE)
        return self.status(instance_id, show_history=True, show_history_output=True)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def client(clock: VirtualClock, tmp_path: Path) -> Iterator[Client]:
    with DevHost(APP, clock=clock, env=ENV, state_dir=tmp_path / "state") as host:
        yield Client(host)


def test_fan_out_fan_in_keeps_yield_order_W5(client: Client) -> None:
    assert client.run("fan_out").output == ["a", "b", "c"]


def test_continue_as_new_resets_history_and_keeps_id_W5(client: Client) -> None:
    status = client.run("counter", 0)
    assert status.runtime_status.name == "Completed"
    assert status.output == 2
    kinds = [e["EventType"] for e in status.historyEvents]
    assert kinds == ["ExecutionStarted", "ExecutionCompleted"]


def test_long_timer_is_split_into_chunks_and_fires_at_the_end_W5(client: Client, clock: VirtualClock) -> None:
    status = client.run("long_timer")
    assert status.output == (START + timedelta(days=10)).isoformat()
    fired = [e["FireAt"] for e in status.historyEvents if e["EventType"] == "TimerFired"]
    assert fired[-1].startswith("2026-01-11T00:00:00")
    assert len(fired) == 3
    assert clock.now() == START + timedelta(days=10)


def test_custom_status_is_reported_and_limited_to_16_kb_W5(client: Client) -> None:
    small = client.run("status_setter", 100)
    assert small.custom_status == "x" * 100
    big = client.run("status_setter", 9000)
    assert big.runtime_status.name == "Failed"
    assert "must not exceed 16 KB" in big.output
    assert big.output.startswith("Orchestrator function 'status_setter' failed:")


def test_unknown_activity_fails_with_known_functions_listed_W5(client: Client) -> None:
    status = client.run("unknown_activity")
    assert status.runtime_status.name == "Failed"
    assert "The function 'does_not_exist' doesn't exist" in status.output
    assert "'echo', 'slow_echo'" in status.output


def test_entity_call_signal_and_client_read_W5(client: Client) -> None:
    assert client.run("uses_entity").output == 7
    entity = df.EntityId("tally", "k1")
    client.host.call(client.sdk.signal_entity(entity, "add", 10))
    client.host.drive(lambda: True)
    assert client.host.call(client.sdk.read_entity_state(entity)).entity_state == 17


def test_early_event_keeps_instance_running_until_second_event_W5(client: Client) -> None:
    instance_id = client.start("early_events")
    client.host.drive(lambda: client.state(instance_id) == "Running")
    client.host.call(client.sdk.raise_event(instance_id, "E", "x"))  # while the timer is pending
    client.host.drive(lambda: client.host.next_timer() is None)  # the timer fires, both waits get "x"
    assert client.state(instance_id) == "Running"
    client.host.call(client.sdk.raise_event(instance_id, "E", "y"))
    client.host.drive(lambda: client.state(instance_id) in DONE)
    assert client.status(instance_id).output == ['"x"', '"x"']


def test_changed_orchestrator_code_is_non_deterministic_W5(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance_id = client.start("changing")
    client.host.drive(lambda: client.state(instance_id) == "Running")
    monkeypatch.setitem(os.environ, "DEVHOST_TEST_ACTIVITY", "slow_echo")
    client.host.call(client.sdk.raise_event(instance_id, "go", None))
    client.host.drive(lambda: client.state(instance_id) in DONE)
    status = client.status(instance_id)
    assert status.runtime_status.name == "Failed"
    assert status.output.startswith("Non-Deterministic workflow detected:")
    assert "'echo'" in status.output
    assert "'slow_echo'" in status.output


def test_suspend_queues_events_until_resume_then_terminate_and_purge_W5(client: Client) -> None:
    sdk, host = client.sdk, client.host
    instance_id = client.start("changing")
    host.drive(lambda: client.state(instance_id) == "Running")
    host.call(sdk.suspend(instance_id, "pause"))
    assert client.state(instance_id) == "Suspended"
    host.call(sdk.raise_event(instance_id, "go", None))
    host.drive(lambda: True)
    assert client.state(instance_id) == "Suspended"
    host.call(sdk.resume(instance_id, "go on"))
    host.drive(lambda: client.state(instance_id) in DONE)
    assert client.status(instance_id).output == "done"

    second = client.start("changing")
    host.drive(lambda: client.state(second) == "Running")
    host.call(sdk.terminate(second, "stop it"))
    terminated = client.status(second)
    assert terminated.runtime_status.name == "Terminated"
    assert terminated.output == "stop it"
    assert host.call(sdk.purge_instance_history(second)).instances_deleted == 1
    assert not client.status(second)


def test_call_http_makes_one_request_and_returns_the_response_W5(client: Client) -> None:
    status = client.run("http_caller", f"{client.host.base_url}/api/ping?who=orchestrator")
    assert status.output == {"status": 200, "content": "pong"}
    scheduled = [e for e in status.historyEvents if e.get("FunctionName") == "BuiltIn::HttpActivity"]
    assert len(scheduled) == 1


def test_sub_orchestration_retry_recreates_the_child_W5(client: Client) -> None:
    status = client.run("sub_retry")
    assert status.output.startswith("Orchestrator function 'failing_child' failed: child broke")
    host = client.host
    execution_id = host.runtime.store.instance(status.instance_id)["execution_id"]
    children = host.runtime.store.instances("instance_id LIKE ?", (f"{execution_id}:%",))
    assert sorted(c["instance_id"] for c in children) == [f"{execution_id}:0", f"{execution_id}:2"]
    assert {c["status"] for c in children} == {"Failed"}
    kinds = [e["EventType"] for e in status.historyEvents]
    assert kinds.count("SubOrchestrationInstanceFailed") == 2
    assert kinds.count("TimerFired") == 2


def test_call_http_to_an_unreachable_host_fails_the_task_W5(client: Client) -> None:
    status = client.run("http_caller", "http://127.0.0.1:9/nothing-listens-here")
    assert status.runtime_status.name == "Failed"
    assert "BuiltIn::HttpActivity" in status.output


def test_rewind_reruns_failed_work_of_a_failed_sub_orchestration_W5(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = client.run("rewind_parent")
    assert failed.runtime_status.name == "Failed"
    monkeypatch.setitem(os.environ, "DEVHOST_TEST_FIXED", "yes")
    client.host.call(client.sdk.rewind(failed.instance_id, "fixed"))
    client.host.drive(lambda: client.state(failed.instance_id) in DONE)
    status = client.status(failed.instance_id)
    assert status.runtime_status.name == "Completed"
    assert status.output == ["kept", "again"]


def test_orchestration_version_reaches_the_context_W5(client: Client) -> None:
    instance_id = client.host.call(client.sdk.start_new("versioned", None, None, version="1.0"))
    client.host.drive(lambda: client.state(instance_id) in DONE)
    assert client.status(instance_id).output == ["1.0", "2.1"]


def test_events_raised_back_to_back_survive_continue_as_new_W5(client: Client) -> None:
    import requests

    instance_id = client.start("accumulate", 0)
    client.host.drive(lambda: client.state(instance_id) == "Running")
    url = f"{client.host.base_url}/runtime/webhooks/durabletask/instances/{instance_id}/raiseEvent/add"
    for value in (1, 2, 3):
        assert requests.post(url, json=value, timeout=10).status_code == 202
    client.host.drive(lambda: client.state(instance_id) in DONE)
    assert client.status(instance_id).output == 6


def test_actions_of_a_failing_replay_still_run_W5(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    record = tmp_path / "record.txt"
    monkeypatch.setitem(os.environ, "DEVHOST_TEST_RECORD", str(record))
    status = client.run("fails_after_race")
    assert status.runtime_status.name == "Failed"
    assert status.output == "Orchestrator function 'fails_after_race' failed: gave up"
    client.host.drive(lambda: record.exists())
    assert record.read_text() == "runs anyway\n"
