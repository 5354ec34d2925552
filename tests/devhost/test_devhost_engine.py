"""The devhost's own end-to-end checks on a tiny app (W5: local host fidelity).

Each test starts the host in-process on a virtual clock and drives it through plain HTTP
and the unmodified ``DurableOrchestrationClient``.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import pytest
import requests

from devhost.clock import VirtualClock
from devhost.testing import DevHost, Stuck

BASIC_APP = Path(__file__).parent / "apps" / "basic"
BASIC_ENV = {"PYTHON_SCRIPT_FILE_NAME": "devhost_basic_app.py"}
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def host(clock: VirtualClock, tmp_path: Path) -> Iterator[DevHost]:
    with DevHost(BASIC_APP, clock=clock, env=BASIC_ENV, state_dir=tmp_path / "state") as running:
        yield running


def start(host: DevHost, name: str, body: Any = None, instance_id: str = "") -> dict[str, Any]:
    url = f"{host.base_url}/api/start/{name}" + (f"/{instance_id}" if instance_id else "")
    response = requests.post(url, json=body, headers={"x-functions-key": host.function_key}, timeout=10)
    assert response.status_code == 202, response.text
    assert response.headers["Retry-After"] == "10"
    assert response.headers["Location"] == response.json()["statusQueryGetUri"]
    return response.json()


def status(host: DevHost, instance_id: str, **flags: str) -> requests.Response:
    url = f"{host.base_url}/runtime/webhooks/durabletask/instances/{instance_id}"
    return requests.get(url, params=flags, timeout=10)


def finished(host: DevHost, instance_id: str) -> bool:
    return status(host, instance_id).json()["runtimeStatus"] in ("Completed", "Failed", "Terminated")


def event_types(host: DevHost, instance_id: str) -> list[str]:
    raw = host.runtime.store.history(instance_id)
    names = {12: "OS", 0: "ES", 4: "TS", 13: "OC", 5: "TC", 6: "TF", 10: "TmC", 11: "TmF", 1: "EC", 15: "ER"}
    return [names.get(e["EventType"], str(e["EventType"])) for e in raw]


def test_chaining_history_shape_and_output_W5(host: DevHost) -> None:
    payload = start(host, "chain")
    instance_id = payload["id"]
    host.drive(lambda: finished(host, instance_id))
    response = status(host, instance_id)
    assert response.status_code == 200
    body = response.json()
    assert body["runtimeStatus"] == "Completed"
    assert body["output"] == ["Hello Tokyo", "Hello Seattle"]
    assert event_types(host, instance_id) == [
        "OS", "ES", "TS", "OC", "OS", "TC", "TS", "OC", "OS", "TC", "EC", "OC",
    ]  # fmt: skip


def test_timer_of_a_day_takes_no_real_time_W5(host: DevHost, clock: VirtualClock) -> None:
    instance_id = start(host, "wait_a_day")["id"]
    running = status(host, instance_id)
    assert running.status_code == 202
    assert running.headers["Retry-After"] == "5"
    host.drive(lambda: finished(host, instance_id), timeout=20)
    assert status(host, instance_id).json()["output"] == "Hello later"
    assert clock.now() == START.replace(day=2)


def test_external_event_from_client_arrives_double_encoded_W5(host: DevHost) -> None:
    client = df.DurableOrchestrationClient(host.client_binding())
    instance_id = host.call(client.start_new("approval", None, None))
    host.drive(lambda: status(host, instance_id).json()["runtimeStatus"] == "Running")
    host.call(client.raise_event(instance_id, "Approval", {"ok": True}))
    host.drive(lambda: finished(host, instance_id))
    body = status(host, instance_id).json()
    assert body["output"] == {"approved": '{"ok": true}'}


def test_event_name_is_case_sensitive_and_timer_wins_W5(host: DevHost) -> None:
    instance_id = start(host, "approval")["id"]
    url = f"{host.base_url}/runtime/webhooks/durabletask/instances/{instance_id}/raiseEvent/approval"
    assert requests.post(url, json={"ok": True}, timeout=10).status_code == 202
    host.drive(lambda: finished(host, instance_id))
    assert status(host, instance_id).json()["output"] == "timeout"


def test_sub_orchestration_id_and_result_W5(host: DevHost) -> None:
    instance_id = start(host, "parent", "Osaka")["id"]
    host.drive(lambda: finished(host, instance_id))
    assert status(host, instance_id).json()["output"]["child"] == ["Hello Tokyo", "Hello Seattle"]
    execution_id = host.runtime.store.instance(instance_id)["execution_id"]
    child = status(host, f"{execution_id}:0")
    assert child.status_code == 200
    assert child.json()["runtimeStatus"] == "Completed"


def test_retry_timeline_ids_and_final_error_W5(host: DevHost) -> None:
    instance_id = start(host, "retrying")["id"]
    host.drive(lambda: finished(host, instance_id))
    output = status(host, instance_id).json()["output"]
    assert output.startswith("Activity function 'flaky' failed: RuntimeError: nope")
    raw = host.runtime.store.history(instance_id)
    ids = [(e["EventType"], e["EventId"]) for e in raw if e["EventType"] in (4, 10)]
    assert ids == [(4, 0), (10, 1), (4, 2), (10, 3), (4, 4), (10, 5)]


def test_orchestrator_failure_message_W5(host: DevHost) -> None:
    instance_id = start(host, "boom")["id"]
    host.drive(lambda: finished(host, instance_id))
    assert status(host, instance_id).json()["output"] == "Orchestrator function 'boom' failed: kaboom"
    assert status(host, instance_id, returnInternalServerErrorOnFailure="true").status_code == 500


def test_drive_raises_stuck_when_nothing_can_happen_W5(host: DevHost) -> None:
    instance_id = start(host, "approval")["id"]
    host.drive(lambda: finished(host, instance_id))
    with pytest.raises(Stuck):
        host.drive(lambda: False)


def test_http_route_constraints_and_response_W5(host: DevHost) -> None:
    ok = requests.get(f"{host.base_url}/api/items/42?q=x", timeout=10)
    assert ok.status_code == 200
    assert ok.json() == {"id": 42, "q": "x"}
    assert ok.headers["X-Item"] == "yes"
    assert ok.headers["Content-Type"].startswith("application/json")
    assert requests.get(f"{host.base_url}/api/items/abc", timeout=10).status_code == 404
    unauthorized = requests.post(f"{host.base_url}/api/start/chain", timeout=10)
    assert unauthorized.status_code == 401


def test_http_function_gets_context_and_joined_query_values_W5(host: DevHost) -> None:
    first = requests.get(f"{host.base_url}/api/ctx?a=1&a=2&b=x", timeout=10).json()
    second = requests.get(f"{host.base_url}/api/ctx", timeout=10).json()
    assert first["function"] == "ctx"
    assert first["directory"] == str(BASIC_APP.resolve())
    assert first["invocation"] != second["invocation"]
    assert first["traceparent"].startswith("00-")
    assert first["params"] == {"a": "1,2", "b": "x"}


def test_non_http_output_binding_does_not_replace_the_response_W5(host: DevHost) -> None:
    response = requests.post(f"{host.base_url}/api/queued", timeout=10)
    assert response.status_code == 202
    assert response.text == "accepted"
