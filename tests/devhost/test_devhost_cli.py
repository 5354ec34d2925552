"""``python -m devhost start`` as a real process: listing, scaled time, kill -9 and restart (W5)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).parent / "apps" / "basic"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HostProcess:
    def __init__(self, state_dir: Path, port: int) -> None:
        self.state_dir = state_dir
        self.port = port
        self.proc: subprocess.Popen[str] | None = None
        self.banner: list[str] = []

    def start(self) -> None:
        env = {**os.environ, "PYTHON_SCRIPT_FILE_NAME": "devhost_basic_app.py", "PYTHONPATH": str(ROOT)}
        # 1 virtual day per 2 real seconds
        args = ["--app-dir", str(APP), "--port", str(self.port), "--state-dir", str(self.state_dir)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devhost", "start", *args, "--time-scale", "43200"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.banner.append(line.rstrip())
            if line.startswith("Keys file:"):
                return
        raise AssertionError(f"host did not start: {self.banner}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        if self.proc.stdout:
            self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def function_key(self) -> str:
        return str(json.loads((self.state_dir / "keys.json").read_text())["functionKey"])


@pytest.fixture
def host_process(tmp_path: Path) -> Iterator[HostProcess]:
    process = HostProcess(tmp_path / "state", free_port())
    yield process
    process.stop()


def wait_for(predicate, seconds: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_cli_lists_functions_and_keys_and_survives_kill_9_mid_timer_W5(host_process: HostProcess) -> None:
    host_process.start()
    banner = "\n".join(host_process.banner)
    assert f"{host_process.url}/api/start/{{name}}/{{id?}}" in banner
    assert "wait_a_day: orchestrationTrigger" in banner
    assert host_process.function_key in banner

    started = requests.post(
        f"{host_process.url}/api/start/wait_a_day",
        headers={"x-functions-key": host_process.function_key},
        timeout=10,
    )
    assert started.status_code == 202
    status_url = started.json()["statusQueryGetUri"]
    wait_for(lambda: requests.get(status_url, timeout=10).json()["runtimeStatus"] == "Running", 10)
    host_process.kill9()

    host_process.start()
    wait_for(lambda: requests.get(status_url, timeout=10).status_code == 200, 20)
    body = requests.get(status_url, params={"showHistory": "true"}, timeout=10).json()
    assert body["output"] == "Hello later"
    kinds = [e["EventType"] for e in body["historyEvents"]]
    assert kinds.count("TimerFired") == 1
    assert kinds.count("TaskCompleted") == 1
