"""verify_onprem against the simulator's Log Analytics (H6) and post_callback."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from activities.callback import post
from activities.jobs import read
from activities.operations import start
from activities.verify import verify
from clients.settings import Settings
from domain.errors import FailbackError

WORKSPACE = "11111111-2222-3333-4444-555555555555"
WEB01 = {"fabric": "site-hq", "container": "hq-container", "name": "rpi-web01"}


def _running(env, vm="lin01"):
    """Power the on-prem VM on (off first: the default world marks lin01 running without a run)."""
    env.sim.control.vm(vm, onprem="off")
    env.sim.control.vm(vm, onprem="running")
    env.advance(300)


def _verify(env, computer, checks=(), since_hours=1):
    since = env.clock.now() - timedelta(hours=since_hours)
    payload = {
        "workspaceId": WORKSPACE,
        "computer": computer,
        "since": since.isoformat(),
        "checks": list(checks),
    }
    return verify(payload, env.settings)


def test_running_onprem_vm_passes_the_heartbeat_check(env):
    _running(env)
    result = _verify(env, "lin01")
    assert result["passed"] is True
    assert result["checks"][0]["name"] == "heartbeat"
    assert "lin01: heartbeat since" in result["checks"][0]["evidence"]
    assert result["lastHeartbeat"]


def test_vm_that_is_off_onprem_fails_with_evidence(env):
    result = _verify(env, "web01")
    assert result["passed"] is False
    assert result["checks"][0]["evidence"].startswith("web01: no heartbeat since")


def test_failed_back_vm_heartbeats_after_phase_2_H6(env):
    job_id = start(
        {
            "vault": env.vault,
            "item": WEB01,
            "dataSyncOption": "during-failover",
            "location": "original",
            "now": env.clock.now().isoformat(),
        },
        env.settings,
    )["jobId"]
    since = env.clock.now()
    env.advance_until(
        lambda: (
            read({"vault": env.vault, "jobId": job_id, "now": env.clock.now().isoformat()}, env.settings)[
                "state"
            ]
            == "Succeeded"
        )
    )
    env.advance(180)
    result = verify(
        {"workspaceId": WORKSPACE, "computer": "web01", "since": since.isoformat(), "checks": []},
        env.settings,
    )
    assert result["passed"] is True, result


def test_kql_checks_pass_fail_and_partial_results_fail_with_evidence(env):
    env.sim.control.logs(
        query="AppHealth | where Status == 'OK'",
        match="exact",
        table={"columns": [{"name": "Status", "type": "string"}], "rows": [["OK"]]},
    )
    env.sim.control.logs(
        query="Perf | where CounterName == 'x'",
        match="exact",
        table={"columns": [{"name": "CounterValue", "type": "real"}], "rows": [[1.0]]},
        partial_error={"code": "QueryTimeout", "message": "part of the data timed out"},
    )
    env.sim.control.logs(
        query="Event | where Level == 'Error'",
        match="exact",
        table={"columns": [{"name": "Level", "type": "string"}], "rows": []},
    )
    checks = [
        {"name": "app-ok", "query": "AppHealth | where Status == 'OK'"},
        {"name": "perf", "query": "Perf | where CounterName == 'x'"},
        {"name": "errors", "query": "Event | where Level == 'Error'"},
        {"name": "typo", "query": "Hartbeat | take 1"},
    ]
    _running(env)
    result = _verify(env, "lin01", checks)
    by_name = {c["name"]: c for c in result["checks"]}
    assert result["passed"] is False
    assert by_name["heartbeat"]["passed"] is True
    assert by_name["app-ok"] == {"name": "app-ok", "passed": True, "evidence": "1 row(s)"}
    assert by_name["perf"]["passed"] is False and "partial result (1 rows)" in by_name["perf"]["evidence"]
    assert by_name["errors"]["passed"] is False
    assert by_name["typo"]["passed"] is False and "query refused" in by_name["typo"]["evidence"]


class _Receiver(BaseHTTPRequestHandler):
    status = 200
    location = ""
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), json.loads(body)))
        self.send_response(type(self).status)
        if type(self).location:
            self.send_header("Location", type(self).location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    _Receiver.status = 200
    _Receiver.location = ""
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/callback", _Receiver
    server.shutdown()
    server.server_close()


def test_callback_posts_the_report_as_json_in_local_mode(receiver):
    url, handler = receiver
    local = Settings.from_env({"FAILBACK_LOCAL_MODE": "true"})
    assert post({"url": url, "body": {"runId": "fb-1", "outcome": "succeeded"}, "runId": "fb-1"}, local) == {
        "status": 200
    }
    headers, body = handler.received[0]
    assert body == {"runId": "fb-1", "outcome": "succeeded"}
    assert headers["X-Failback-Run-Id"] == "fb-1"


def test_callback_refuses_plain_http_outside_local_mode_and_reports_errors(receiver):
    url, handler = receiver
    with pytest.raises(FailbackError) as info:
        post({"url": url, "body": {}}, Settings.from_env({}))
    assert info.value.code == "CALLBACK_REFUSED" and handler.received == []
    handler.status = 500
    with pytest.raises(FailbackError) as info:
        post({"url": url, "body": {}}, Settings.from_env({"FAILBACK_LOCAL_MODE": "true"}))
    assert "answered 500" in info.value.message


def test_callback_does_not_follow_a_redirect(receiver):
    """Issue 12: a 3xx could send the report (and its retries) anywhere; it is a failed delivery."""
    url, handler = receiver
    handler.status, handler.location = 307, url + "/elsewhere"
    with pytest.raises(FailbackError) as info:
        post({"url": url, "body": {"runId": "fb-1"}}, Settings.from_env({"FAILBACK_LOCAL_MODE": "true"}))
    assert info.value.code == "CALLBACK_FAILED" and "answered 307" in info.value.message
    assert len(handler.received) == 1  # the first receiver only: the redirect target got nothing
