"""``python -m devhost start``: serve a Functions app directory like ``func start``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from devhost.clock import Clock, RealClock, ScaledClock
from devhost.config import HostConfigurationError
from devhost.server import HostRuntime


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m devhost", description="Local Azure Functions + Durable host"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="serve an app directory")
    start.add_argument("--app-dir", default=".", help="Functions app directory (default: .)")
    start.add_argument("--port", type=int, default=None, help="default: Host.LocalHttpPort or 7071")
    start.add_argument("--time-scale", type=float, default=1.0, help="run durable time X times faster")
    start.add_argument(
        "--state-dir", default=None, help="SQLite/keys directory (default: <app-dir>/.devhost)"
    )
    start.add_argument("--bind", default="127.0.0.1")
    return parser.parse_args(argv)


async def serve(runtime: HostRuntime) -> None:
    """Start the host, print the function list, run until SIGINT/SIGTERM."""
    await runtime.start()
    print(f"devhost: serving {runtime.app_dir} (task hub {runtime.hub}) on {runtime.origin}", flush=True)
    print("Functions:", flush=True)
    for line in runtime.describe():
        print(line, flush=True)
    print(f"Function key (x-functions-key or ?code=): {runtime.keys.function_key}", flush=True)
    print(f"Master key: {runtime.keys.master_key}", flush=True)
    print(f"Keys file: {runtime.state_dir / 'keys.json'}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runtime.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app_dir = Path(args.app_dir).resolve()
    clock: Clock = ScaledClock(args.time_scale) if args.time_scale != 1.0 else RealClock()
    state_dir = Path(args.state_dir).resolve() if args.state_dir else app_dir / ".devhost"
    try:
        runtime = HostRuntime(app_dir, clock=clock, port=args.port or 0, state_dir=state_dir, bind=args.bind)
    except HostConfigurationError as exc:  # the host refuses to start, with its own message
        print(f"devhost: {exc}", file=sys.stderr)
        return 1
    runtime.port = args.port or runtime.config.local_port or 7071
    os.chdir(app_dir)  # the host starts the worker with the script root as working directory
    runtime.apply_env()  # Values → environment for the lifetime of the process
    try:
        runtime.load()
    except (RuntimeError, ImportError, SyntaxError) as exc:
        print(f"devhost: cannot load the app in {app_dir}: {exc}", file=sys.stderr)
        return 1
    try:
        asyncio.run(serve(runtime))
    except OSError as exc:  # typically: the port is already in use
        print(f"devhost: cannot listen on {args.bind}:{runtime.port}: {exc}", file=sys.stderr)
        return 1
    return 0
