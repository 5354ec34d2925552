"""No secrets in orchestration input, history, custom status or logs (issue 4, W3 Logic App callbacks).

A Logic App callback URL carries a signature (``sig=``) that lets anyone trigger the Logic
App. The HTTP layer seals it before the run starts; only ``post_callback`` opens it. This
test runs a whole failback with such a URL and reads back everything the Durable task hub
keeps about the run and each of its sub-orchestrations.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests

from scripts.failback_stack import SIGNING_KEY, FailbackStack, sample_request
from tests.e2e.conftest import approve_and_finish, assert_clean

SIG = "Zm9yZ2VkLWxvZ2ljLWFwcC1zaWduYXR1cmUtOTk5OTk"


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:  # http.server calls do_<METHOD>
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append({"path": self.path, "body": json.loads(body)})
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local 'Logic App' trigger: its URL (with a signature) and the POSTs it received."""
    received: list[dict[str, Any]] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    url = (
        f"http://127.0.0.1:{port}/workflows/abc/triggers/manual/paths/invoke"
        f"?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}"
    )
    try:
        yield url, received
    finally:
        server.shutdown()
        server.server_close()


def _webhook(stack: FailbackStack, path: str, **params: str) -> Any:
    response = requests.get(
        f"{stack.running.base_url}/runtime/webhooks/durabletask/{path}",
        params={"code": stack.running.master_key, **params},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def _everything_kept_about(stack: FailbackStack, run_id: str) -> dict[str, str]:
    """Full status (input, history with outputs, custom status) of the run and every sub-orchestration."""
    instances = _webhook(stack, "instances", instanceIdPrefix=run_id, showInput="true")
    ids = sorted({i["instanceId"] for i in instances})
    assert run_id in ids
    assert any(":gate:" in i for i in ids) and any(":job:" in i for i in ids), ids
    flags = {"showHistory": "true", "showHistoryOutput": "true", "showInput": "true"}
    return {i: json.dumps(_webhook(stack, f"instances/{i}", **flags)) for i in ids}


def test_callback_signature_and_keys_never_reach_history_status_or_logs(
    stack: FailbackStack, receiver: tuple[str, list[dict[str, Any]]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url, received = receiver
    run_id = stack.start_failback(sample_request(callbackUrl=url))
    report = approve_and_finish(stack, run_id)
    assert report["outcome"] == "succeeded"
    # The callback was really sent to the full URL (signature included): the seal opened.
    assert report["callback"] == {"posted": True, "host": "127.0.0.1"}
    assert len(received) == 1 and f"sig={SIG}" in received[0]["path"]
    assert received[0]["body"]["runId"] == run_id

    # What the app and the host logged during the run; not the test's own HTTP client talking to
    # the host (it plays the browser that opens approval links). The app's ARM calls stay in.
    own_client = stack.running.base_url.removeprefix("http://")
    records = [
        r for r in caplog.records if not (r.name.startswith("urllib3") and own_client in r.getMessage())
    ]
    logs = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in records)
    assert len(records) > 10 and "post_callback" in logs  # the run's structured logs were captured

    kept = _everything_kept_about(stack, run_id)
    run_input = json.loads(kept[run_id])["input"]
    run_input = json.loads(run_input) if isinstance(run_input, str) else run_input
    assert run_input["callback"]["host"] == "127.0.0.1"  # the host stays, for display
    assert run_input["callback"]["sealed"].startswith("cb1.")
    assert run_input["request"]["callbackUrl"] is None
    tokens = [link.rsplit("/", 1)[-1] for link in stack.approval_links(run_id, "switchover")]
    assert tokens
    secrets = {
        "callback signature": SIG,
        "callback URL": url.split("?", 1)[0] + "?",
        "signing key": SIGNING_KEY,
        "function key": stack.running.function_key,
        "master key": stack.running.master_key,
        **{f"approval token {n}": t for n, t in enumerate(tokens)},
    }
    public_view = stack.get(f"/api/failbacks/{run_id}").text
    for where, text in {**kept, "GET /api/failbacks/{id}": public_view, "logs": logs}.items():
        for name, secret in secrets.items():
            assert secret not in text, f"{name} found in {where}"
    assert_clean(stack)


def test_callback_sealed_before_a_key_rotation_is_still_posted(
    tmp_path: Any, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    """Rotation: the run started under the old key; the host restarts with a new key and the old
    one as ``APPROVAL_SIGNING_KEY_PREVIOUS``; the callback still opens and is posted once."""
    url, received = receiver
    new_key = "rotated-signing-key-not-a-secret-9876543210"

    class Rotating(FailbackStack):
        rotated = False

        def env(self) -> dict[str, str]:
            env = super().env()
            if self.rotated:
                env.update(APPROVAL_SIGNING_KEY=new_key, APPROVAL_SIGNING_KEY_PREVIOUS=SIGNING_KEY)
            return env

    with Rotating(tmp_path) as stack:
        run_id = stack.start_failback(sample_request(callbackUrl=url))
        stack.drive_to(run_id, awaiting="approval")
        stack.rotated = True
        stack.restart_host()
        report = approve_and_finish(stack, run_id)
        assert report["callback"] == {"posted": True, "host": "127.0.0.1"}
        assert len(received) == 1 and f"sig={SIG}" in received[0]["path"]
        assert_clean(stack)


def _route_calls(stack: FailbackStack, run_id: str, token: str) -> list[tuple[str, str]]:
    """(method, path) of every HTTP route of the app, its parameters filled with a real run and link."""
    from devhost.http_triggers import build_http_functions

    values = {"id": run_id, "token": token}
    calls = []
    for fn in build_http_functions(stack.running.runtime.index.http):
        path = fn.route_text
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"a route parameter this test does not know: {fn.route_text}"
        calls += [(method, f"/api/{path}") for method in sorted(fn.methods or {"GET", "POST"})]
    return calls


def test_no_route_answers_with_a_durable_management_url_or_a_key(stack: FailbackStack) -> None:
    """Issue 12 (close the door): a function key must not lead to the Durable management API.

    On Azure the management URLs carry the system key: whoever holds them can raise the approval
    event directly, past the approval page and every rule of W2. Every route of the app is called,
    with the caller's function key, on a run that went all the way, and on bodies that are empty.
    """
    run_id = stack.start_failback(sample_request())
    stack.drive_to(run_id, awaiting="approval")
    token = stack.approval_links(run_id, "switchover")[0].rsplit("/", 1)[-1]
    calls = _route_calls(stack, run_id, token)
    assert len(calls) >= 10 and ("POST", "/api/smoke") not in calls
    secrets = {
        "function key": stack.running.function_key,
        "master key": stack.running.master_key,
        "management URL": "runtime/webhooks",
        "event URL": "raiseEvent",
        "system key": "systemKey",
        "key in a URL": "code=",
    }
    for method, path in calls:
        for body in (None, {}):
            response = stack.http.request(
                method, stack.url(path), json=body, headers={"x-functions-key": stack.running.function_key}
            )
            assert response.status_code < 500, (method, path, response.status_code, response.text[:300])
            seen = response.text + json.dumps(dict(response.headers))
            leaked = [name for name, secret in secrets.items() if secret in seen]
            assert not leaked, f"{method} {path} answered with {leaked}"
