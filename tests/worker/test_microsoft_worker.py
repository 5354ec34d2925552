"""Microsoft's Python worker is the judge of what loads (issue 10, part 1; architecture: devhost).

The worker (PyPI ``azure-functions-runtime``, Python 3.13, in ``.venv/tools/worker`` built by
``make worker-tools``) indexes the app exactly as the Functions host asks it to. Its first refusal
fails the whole indexing, so on Azure an app with one bad annotation loads no function at all.
These tests assert that the worker loads every function of our app with the triggers, routes,
methods and auth levels ``python -m devhost start`` lists, and that devhost refuses, with the
worker's message, every small app the worker refuses.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER_PYTHON = ROOT / ".venv" / "tools" / "worker" / "bin" / "python"
DRIVER = Path(__file__).with_name("index_with_worker.py")
APPS = Path(__file__).with_name("apps")
_HTTP_LINE = re.compile(r"^  (\S+): \[([^\]]*)\] https?://[^/]+/api/(\S*) \((\w+)\)$")
_OTHER_LINE = re.compile(r"^  (\S+): (\w+Trigger)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(script: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return {**env, "PYTHON_SCRIPT_FILE_NAME": script}


def index_with_worker(app_dir: Path, script: str = "function_app.py") -> dict:
    """The worker's verdict on ``app_dir``: ``{"ok": True, "functions": [...]}`` or its error."""
    assert WORKER_PYTHON.exists(), "Microsoft's worker is missing: run `make worker-tools` (make test does)"
    out = subprocess.run(
        [str(WORKER_PYTHON), str(DRIVER), str(app_dir)],
        cwd=app_dir,
        env=_env(script),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    verdict: dict = json.loads(out.stdout.strip().splitlines()[-1])
    return verdict


def start_with_devhost(app_dir: Path, tmp_path: Path, script: str = "function_app.py") -> dict:
    """What ``python -m devhost start`` says of ``app_dir``: the function listing or its refusal."""
    args = ["--app-dir", str(app_dir), "--port", str(_free_port()), "--state-dir", str(tmp_path / "state")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "devhost", "start", *args],
        cwd=ROOT,
        env={**_env(script), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    functions: list[dict] = []
    try:
        for line in proc.stdout:
            if line.startswith("Keys file:"):
                return {"ok": True, "functions": functions}
            if http := _HTTP_LINE.match(line.rstrip()):
                name, methods, route, auth = http.groups()
                functions.append(
                    {
                        "name": name,
                        "trigger": "httpTrigger",
                        "route": route,
                        "methods": sorted(methods.split(",")),
                        "authLevel": auth,
                    }
                )
            elif other := _OTHER_LINE.match(line.rstrip()):
                functions.append(
                    {"name": other[1], "trigger": other[2], "route": None, "methods": [], "authLevel": None}
                )
        proc.wait(30)
        return {"ok": False, "error": proc.stderr.read().strip(), "exit": proc.returncode}
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()


def _by_name(functions: list[dict]) -> dict[str, dict]:
    return {f["name"]: f for f in functions}


def test_the_worker_loads_every_function_of_the_app_as_devhost_lists_it(tmp_path: Path) -> None:
    worker = index_with_worker(ROOT, script="entrypoint.py")
    assert worker["ok"], worker.get("error")
    devhost = start_with_devhost(ROOT, tmp_path, script="entrypoint.py")
    assert devhost["ok"], devhost.get("error")
    assert _by_name(worker["functions"]) == _by_name(devhost["functions"])
    kinds = {f["trigger"] for f in worker["functions"]}
    assert {"httpTrigger", "orchestrationTrigger", "activityTrigger"} <= kinds
    assert {"start_failback_run", "failback_orchestrator", "preflight", "commit_failover"} <= set(
        _by_name(worker["functions"])
    )


def test_an_app_the_worker_accepts_is_served_by_devhost_with_the_same_functions(tmp_path: Path) -> None:
    app = APPS / "typing_generics"
    worker, devhost = index_with_worker(app), start_with_devhost(app, tmp_path)
    assert worker["ok"] and devhost["ok"]
    assert _by_name(worker["functions"]) == _by_name(devhost["functions"])


@pytest.mark.parametrize(
    "app", ["pep585_activity", "pep604_return", "unbound_parameter", "context_annotation"]
)
def test_devhost_refuses_with_the_workers_message_what_the_worker_refuses(app: str, tmp_path: Path) -> None:
    worker = index_with_worker(APPS / app)
    devhost = start_with_devhost(APPS / app, tmp_path)
    assert not worker["ok"], f"the worker loaded {app}; the test app no longer shows a refusal"
    assert not devhost["ok"] and devhost["exit"] == 1
    reason = worker["error"].removeprefix("FunctionLoadError: ")
    assert reason.startswith("cannot load the ")
    assert reason in devhost["error"], f"worker: {reason!r}\ndevhost: {devhost['error']!r}"
