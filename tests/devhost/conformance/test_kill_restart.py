"""Issue 2: ``python -m devhost start`` killed with ``kill -9`` and restarted resumes every instance.

Real clock, short timers. The ``durable_steps`` app appends each side effect to a file,
so the test can show completed activities never run twice. The activity that was
running when the host died runs again: activities are at-least-once, as on Azure.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from tests.devhost.conformance.harness import APPS, TERMINAL
from tests.devhost.conformance.timeutil import parse_time

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class HostProcess:
    """One ``python -m devhost start`` child process on a fixed port and state dir."""

    def __init__(self, state_dir: Path, log_dir: Path, app: str = "durable_steps") -> None:
        self.app = app
        self.port = _free_port()
        self.state_dir = state_dir
        self.stdout = state_dir.parent / "devhost-stdout.txt"
        self.extra_args: list[str] = []
        self.env = {**os.environ, "CONFORMANCE_LOG_DIR": str(log_dir)}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [sys.executable, "-m", "devhost", "start", "--app-dir", str(APPS / self.app)]
        args += ["--port", str(self.port), "--state-dir", str(self.state_dir), *self.extra_args]
        with open(self.stdout, "ab") as out:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        _wait_for(self._answers, 30, "devhost to listen")

    def _answers(self) -> bool:
        assert self.proc is not None
        assert self.proc.poll() is None, "devhost exited"
        try:
            requests.get(f"{self.base_url}/runtime/webhooks/durabletask/instances", timeout=1)
        except requests.ConnectionError:
            return False
        return True

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill9()

    def start_run(self, timer: float, slow: float) -> str:
        response = requests.post(
            f"{self.base_url}/api/start", json={"timer": timer, "slow": slow}, timeout=10
        )
        assert response.status_code == 202
        return response.json()["id"]

    def status(self, instance_id: str, **params: str) -> dict:
        url = f"{self.base_url}/runtime/webhooks/durabletask/instances/{instance_id}"
        return requests.get(url, params=params, timeout=10).json()

    def waiting_on_timer(self, instance_id: str) -> bool:
        """The host recorded step a's completion and the timer, and the timer has not fired."""
        events = self.status(instance_id, showHistory="true").get("historyEvents") or []
        types = [e["EventType"] for e in events]
        return "TimerCreated" in types and "TimerFired" not in types


@pytest.fixture
def host_process(tmp_path: Path, log_dir: Path) -> Iterator[HostProcess]:
    process = HostProcess(tmp_path / "state", log_dir)
    try:
        yield process
    finally:
        process.stop()


def _effects(log_dir: Path) -> Counter[str]:
    path = log_dir / "effects.txt"
    return Counter(path.read_text().splitlines()) if path.exists() else Counter()


def _assert_each_step_once(effects: Counter[str], instance_id: str) -> None:
    for step in ("a", "b", "c"):
        assert effects[f"{instance_id} {step}"] == 1, (step, effects)


def test_kill_during_timer_then_restart_completes_every_instance_once(host_process, log_dir):
    host_process.start()
    assert f"http://127.0.0.1:{host_process.port}/api/start" in host_process.stdout.read_text()
    ids = [host_process.start_run(timer=2, slow=0.1) for _ in range(3)]
    # Kill only once the host has recorded step a (an effect written but not yet recorded
    # would legitimately run again: activities are at-least-once).
    _wait_for(
        lambda: all(host_process.waiting_on_timer(i) for i in ids), 15, "every run to wait on its timer"
    )
    host_process.kill9()

    host_process.start()
    _wait_for(lambda: all(host_process.status(i)["runtimeStatus"] in TERMINAL for i in ids), 30, "completion")
    effects = _effects(log_dir)
    for instance_id in ids:
        body = host_process.status(instance_id)
        assert body["runtimeStatus"] == "Completed"
        assert body["output"] == [f"{instance_id} {s}" for s in "abc"]
        _assert_each_step_once(effects, instance_id)


def test_kill_during_activity_reruns_only_that_activity(host_process, log_dir):
    host_process.start()
    instance_id = host_process.start_run(timer=0.5, slow=2)
    _wait_for(lambda: _effects(log_dir)[f"{instance_id} b started"] == 1, 20, "slow step b to start")
    host_process.kill9()
    assert _effects(log_dir)[f"{instance_id} b"] == 0

    host_process.start()
    _wait_for(lambda: host_process.status(instance_id)["runtimeStatus"] in TERMINAL, 30, "completion")
    assert host_process.status(instance_id)["runtimeStatus"] == "Completed"
    effects = _effects(log_dir)
    _assert_each_step_once(effects, instance_id)
    assert effects[f"{instance_id} b started"] == 2  # at-least-once: the interrupted attempt ran again


def test_event_accepted_before_kill_is_delivered_after_restart(host_process, log_dir):
    """A 202 from raiseEvent means the event is durable."""
    host_process.start()
    response = requests.post(f"{host_process.base_url}/api/start-gate", timeout=10)
    instance_id = response.json()["id"]
    _wait_for(lambda: host_process.status(instance_id)["runtimeStatus"] == "Running", 10, "the run to start")
    _wait_for(lambda: _effects(log_dir)[f"{instance_id} a"] == 1, 10, "step a")
    url = f"{host_process.base_url}/runtime/webhooks/durabletask/instances/{instance_id}/raiseEvent/go"
    assert requests.post(url, json="approved", timeout=10).status_code == 202
    host_process.kill9()

    host_process.start()
    _wait_for(lambda: host_process.status(instance_id)["runtimeStatus"] in TERMINAL, 30, "completion")
    body = host_process.status(instance_id)
    assert (body["runtimeStatus"], body["output"]) == ("Completed", "approved")
    assert _effects(log_dir)[f"{instance_id} c"] == 1


def test_time_scale_compresses_durable_timers(host_process, log_dir):
    """contracts §1: --time-scale 3600 runs a two-hour durable timer in about two real seconds."""
    host_process.extra_args = ["--time-scale", "3600"]
    host_process.start()
    instance_id = host_process.start_run(timer=7200, slow=0)
    _wait_for(lambda: host_process.status(instance_id)["runtimeStatus"] in TERMINAL, 30, "completion")
    body = host_process.status(instance_id, showHistory="true")
    assert body["runtimeStatus"] == "Completed"
    events = body["historyEvents"]
    created = parse_time(events[0]["Timestamp"])
    fired = next(parse_time(e["FireAt"]) for e in events if e["EventType"] == "TimerFired")
    assert fired - created >= timedelta(hours=2)  # honoured in scaled time, not skipped


def test_cli_runs_functions_with_the_app_root_as_working_directory(tmp_path, log_dir):
    """The host starts the worker with WorkingDirectory = script root, so open("data.txt") works."""
    process = HostProcess(tmp_path / "state", log_dir, app="relative_files")
    try:
        process.start()
        response = requests.get(f"{process.base_url}/api/data", timeout=10)
        assert response.status_code == 200
        assert response.text == "read relative to the app root (cwd=relative_files)"
    finally:
        process.stop()


def test_in_process_restart_on_the_same_state_dir_resumes_waits_and_timers(tmp_path, log_dir, virtual_clock):
    """A stopped host leaves waits and durable timers in SQLite; the next host on that dir resumes them."""
    from devhost.testing import DevHost
    from tests.devhost.conformance.harness import Harness

    state = tmp_path / "shared-state"
    env = {"CONFORMANCE_LOG_DIR": str(log_dir)}
    with DevHost(app_dir=APPS / "events", clock=virtual_clock, env=env, state_dir=state) as first:
        app = Harness(first, virtual_clock, log_dir)
        waiting = app.start("wait_go", {"n": 1})
        ticking = app.start("ticking")
        app.settle()
        app.close()
    with DevHost(app_dir=APPS / "events", clock=virtual_clock, env=env, state_dir=state) as second:
        app = Harness(second, virtual_clock, log_dir)
        assert app.runtime_status(waiting) == "Running"
        app.raise_event_http(waiting, "go", "after restart")
        assert app.drive_until_status(waiting) == "Completed"
        assert app.drive_until_status(ticking) == "Completed"
        assert app.status_response(waiting).json()["output"] == {"input": {"n": 1}, "go": "after restart"}
        app.close()


def test_cli_default_port_comes_from_local_settings_host_section(tmp_path):
    """func start listens on local.settings.json Host.LocalHttpPort when --port is not given."""
    app_dir = tmp_path / "app"
    shutil.copytree(APPS / "relative_files", app_dir)
    port = _free_port()
    settings = json.loads((app_dir / "local.settings.json").read_text())
    settings["Host"] = {"LocalHttpPort": port}
    (app_dir / "local.settings.json").write_text(json.dumps(settings))
    args = [
        sys.executable,
        "-m",
        "devhost",
        "start",
        "--app-dir",
        str(app_dir),
        "--state-dir",
        str(tmp_path / "s"),
    ]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:

        def answers() -> bool:
            assert proc.poll() is None, "devhost exited"
            try:
                return requests.get(f"http://127.0.0.1:{port}/api/data", timeout=1).status_code == 200
            except requests.ConnectionError:
                return False

        _wait_for(answers, 30, "devhost on Host.LocalHttpPort")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
