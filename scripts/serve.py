"""``make serve``: the simulator and the local host as two processes, for interactive use.

Both run at the same ``--time-scale`` (default 60: an ASR hour takes a minute), so
durable timers and simulated ASR jobs advance together. Prints the URLs, the function
key and ready-to-paste ``curl`` commands; Ctrl-C stops both.

    python -m scripts.serve [--time-scale 60] [--host-port 7071] [--sim-port 8443]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIM_DIR = ROOT / ".sim"
HOST_DIR = ROOT / ".devhost"


def start_simulator(port: int, scale: float) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Start ``python -m simulator start`` and read its one JSON line."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "start",
            "--port",
            str(port),
            "--time-scale",
            str(scale),
            "--state-dir",
            str(SIM_DIR),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(10)
        raise SystemExit(f"the simulator did not start (exit {proc.returncode})")
    return proc, json.loads(line)


def host_env(info: dict[str, Any], host_port: int) -> dict[str, str]:
    """The app settings that point the host at the simulator (as ``sim.app_settings()`` does)."""
    return {
        **os.environ,
        "FAILBACK_CREDENTIAL": "local",
        "FAILBACK_ARM_ENDPOINT": info["arm_endpoint"],
        "FAILBACK_LOGS_ENDPOINT": info["logs_endpoint"],
        "FAILBACK_CA_BUNDLE": info["ca_bundle"],
        "FAILBACK_LOCAL_MODE": "true",
        "FAILBACK_PUBLIC_BASE_URL": f"http://127.0.0.1:{host_port}",
        "FAILBACK_OUTBOX_PATH": str(HOST_DIR / "outbox.sqlite"),
        "APPROVAL_SIGNING_KEY": os.environ.get("APPROVAL_SIGNING_KEY", "local-dev-only-change-me"),
    }


def wait_for_host(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    """Echo the host's start-up lines until it prints its function key; return the key."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"the local host stopped (exit {proc.wait(10)})")
        print(f"  host | {line.rstrip()}")
        if line.startswith("Function key"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("the local host did not start in time")


def echo(proc: subprocess.Popen[str], label: str) -> None:
    """Keep draining a child's stdout (a full pipe would block it) and show its lines."""

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(f"  {label} | {line.rstrip()}", flush=True)

    threading.Thread(target=pump, name=f"echo-{label}", daemon=True).start()


def print_usage(info: dict[str, Any], base: str, key: str) -> None:
    """URLs, keys and example commands."""
    request = {
        "vault": {
            "subscriptionId": info["subscription_id"],
            "resourceGroup": info["resource_group"],
            "name": info["vault"],
        },
        "item": {"friendlyName": "web01"},
        "dataSync": "before-failover",
        "approval": {"approvers": ["you@contoso.example"], "timeoutHours": 8},
        "verification": {"workspaceId": info["workspace_id"], "computer": "web01"},
    }
    print(
        f"""
Simulator (ASR ARM + Log Analytics): {info["arm_endpoint"]}   control API: {info["arm_endpoint"]}/_sim/state
Local Functions host:                {base}
Function key:                        {key}

Start a failback:
  curl -s -X POST '{base}/api/failbacks' -H 'x-functions-key: {key}' -H 'content-type: application/json' \\
       -d '{json.dumps(request)}'
Follow it (HTML with -H 'accept: text/html'):
  curl -s '{base}/api/failbacks/<id>' -H 'x-functions-key: {key}'
Approval links (local outbox): open the link in a browser and approve on the page:
  curl -s '{base}/api/outbox?runId=<id>' -H 'x-functions-key: {key}'
Cancel (refused while data synchronizes, H10):
  curl -s -X POST '{base}/api/failbacks/<id>/cancel' -H 'x-functions-key: {key}' -d '{{"reason": "..."}}'
Ctrl-C stops both.""",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Run both processes until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m scripts.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--host-port", type=int, default=7071)
    parser.add_argument("--sim-port", type=int, default=8443)
    args = parser.parse_args(argv)
    sim, info = start_simulator(args.sim_port, args.time_scale)
    host = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devhost",
            "start",
            "--app-dir",
            str(ROOT),
            "--port",
            str(args.host_port),
            "--time-scale",
            str(args.time_scale),
            "--state-dir",
            str(HOST_DIR),
        ],
        cwd=ROOT,
        env=host_env(info, args.host_port),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        key = wait_for_host(host)
        echo(host, "host")
        echo(sim, "sim")
        print_usage(info, f"http://127.0.0.1:{args.host_port}", key)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while host.poll() is None and sim.poll() is None:
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in (host, sim):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in (host, sim):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
